// ESLint (flat config) with typescript-eslint's type-checked rules: `npm run lint` runs it with
// `--max-warnings 0`. Rules are chosen for real bugs (promises nobody awaits, promises where a
// callback is expected, awaiting non-promises, unsafe `any` flowing into typed code); style is
// Prettier's job, and the layering rules are dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['node_modules/**', 'cdk.out/**', '.data/**', 'coverage/**', 'test/fixtures/lint/**', 'web/dist/**', 'web/dist.*/**', 'web/api-client/schema.d.ts', 'test-results/**'],
  },
  {
    // bin, lib, functions, shared, test, bench, and the web apps (web/<app>/, each with its own tsconfig.json,
    // which the project service finds) when they come.
    files: ['**/*.{ts,mts,cts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The bugs this lint is for: every promise is awaited, returned or explicitly `void`ed, and
      // never handed to a place that expects a synchronous callback (an async listener's errors vanish).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `Promise.all([value, promise])` is a legitimate idiom (a cached value or a read); an array of no promise at all is not.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      '@typescript-eslint/require-await': 'off', // an `async` function without `await` is a deliberate way to return a promise (ports, fakes).
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/only-throw-error': 'error',
      // A caught `unknown` may be passed on as it is (a handler's callback error, a rethrow).
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `${never}` is the exhaustive switch's message; URL and URLSearchParams print themselves (they come from @types/node, not lib).
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNever: true,
          allow: [
            { from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] },
            { from: 'package', package: 'url', name: ['URL', 'URLSearchParams'] },
          ],
        },
      ],
      // Its only hits here are deliberate `String(x)` of values narrowed from `unknown` (CDK context, JWT claims,
      // error causes), where `{}` is all the type knows; objects in template strings are still caught above.
      '@typescript-eslint/no-base-to-string': 'off',
      // `unknown | Promise<unknown>` documents that a callback may be async: not a bug.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // A module-level `let` assigned once after the functions that read it (top-level await) cannot be `const`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-unused-expressions': 'off',
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // Redundant assertions are noise, not bugs; the autofix (`npx eslint --fix --rule ...`) touches many files at once, so later.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Type-only imports are enforced by the compiler (verbatimModuleSyntax).
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // Tests and benchmarks read JSON bodies, CloudFormation templates and worker messages as `any` on
    // purpose: the assertion that follows is the type check. Production code (bin, lib, functions,
    // shared) keeps the no-unsafe-* rules.
    files: ['test/**/*.{ts,tsx}', 'bench/**/*.ts'],
    // Directives written before these rules were relaxed here are harmless.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // `new Function` evaluates a search script exactly as OpenSearch would (test/adapters).
      '@typescript-eslint/no-implied-eval': 'off',
      // A test server's async request listener: a throw there fails the run loudly (an unhandled rejection).
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // Plain JavaScript (bin/run-tests.mjs, the bench workers, this file): no type information.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        Buffer: 'readonly',
      },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
