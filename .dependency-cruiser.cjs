// The layering of the code base, checked by dependency-cruiser (`npm run lint:deps`, part of `npm run lint`).
// test/unit/lint-rules.test.ts shows each rule failing on a deliberate violation (test/fixtures/lint/).
//
// Paths are relative to the folder cruised from (the project root, or a fixture root in that test);
// npm packages are matched wherever their node_modules folder is.

/** Clients and SDKs that only adapters (shared/adapters/<tech>/), handlers' wiring, lib/ and bin/ may import. */
const SDKS = ['@aws-sdk', '@aws-lambda-powertools', '@smithy', '@opensearch-project', 'ioredis', 'stripe', 'minisearch', 'pg', 'aws-lambda', '@types/aws-lambda', 'aws-cdk-lib', 'constructs'];
const SDK_PATH = `(^|/)node_modules/(${SDKS.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})/`;

/** shared/ folders that are not bounded contexts: the adapters, and the HTTP plumbing of the handlers. */
const NOT_A_CONTEXT = ['adapters', 'http'];
const CONTEXT = `^shared/(?!(?:${NOT_A_CONTEXT.join('|')})/)[^/]+/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-adapter',
      comment: 'A context (shared/<context>/: domain, use cases, ports) never imports an adapter: the handler wires adapters into the use case.',
      severity: 'error',
      from: { path: CONTEXT },
      to: { path: '^shared/adapters/' },
    },
    {
      name: 'domain-imports-sdk',
      comment: `A context (shared/<context>/) never imports an SDK or a client (${SDKS.join(', ')}): only shared/adapters/<tech>/ do.`,
      severity: 'error',
      from: { path: CONTEXT },
      to: { path: SDK_PATH },
    },
    {
      name: 'functions-import-bin',
      comment: 'Lambda handlers (functions/) never import bin/ (scripts and the local runtime are not deployed).',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^bin/' },
    },
    {
      name: 'lib-imports-local-runtime',
      comment: 'The CDK app (lib/) never imports the local runtime (bin/local/).',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^bin/local/' },
    },
    {
      name: 'web-imports-beyond-api-client',
      comment:
        'A web app (web/<app>/) imports its own files, npm packages that are not server SDKs, and the generated API client ' +
        '(web/api-client/, or a generated/ folder of its own): never the platform code (shared/, functions/, lib/, bin/) nor another app.',
      severity: 'error',
      from: { path: '^web/(?!api-client/)([^/]+)/' },
      to: { pathNot: ['^web/$1/', '^web/api-client/', '(^|/)node_modules/'] },
    },
    {
      name: 'web-imports-sdk',
      comment: 'A web app never imports a server SDK (AWS SDK, Powertools, ioredis, stripe, OpenSearch): it calls the API.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: SDK_PATH },
    },
    {
      name: 'api-client-imports-platform',
      comment: 'The generated API client stands alone: it imports npm packages only.',
      severity: 'error',
      from: { path: '^web/api-client/' },
      to: { pathNot: ['^web/api-client/', '(^|/)node_modules/'] },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports included: a cycle of types still ties two modules into one).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        "An import that resolves to nothing is a typo or a missing dependency. CloudFront Functions (functions/edge/) import the runtime's own `cloudfront` module, which only exists there (and in the local gateway's shim).",
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^cloudfront$' },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: ['^cdk\\.out/', '^\\.data/', '^coverage/', '^test/fixtures/'] },
    // Type-only imports count: the layering is about what a module knows, not only what it loads.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: `${__dirname}/tsconfig.json` },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
  },
};
