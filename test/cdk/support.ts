import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { SynthesisMessage } from 'aws-cdk-lib/cx-api';
import { afterAll } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES } from '#functions/routes';
import { type CommerceAppOptions, type CommerceStacks, defineCommerceApp } from '#lib/commerce-app';
import { contextOf, contextSlug } from '#lib/contexts/index';

/** A small built web app (index.html, admin/index.html, assets/), so template tests need no web build. */
export const WEB_DIST_FIXTURE = fileURLToPath(new URL('./fixtures/web-dist', import.meta.url));

/** The context of cdk.json (feature flags), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const file = new URL('../../cdk.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { context: Record<string, unknown> }).context;
}

/** An app with cdk.json's flags and bundling skipped. */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true, ...context },
  });
}

/** A stack in a test app, for constructs tested on their own. */
export function testStack(id = 'Test'): Stack {
  return new Stack(testApp(), id);
}

/**
 * A project root holding a stub for each handler entry and a lock file, so template tests need
 * neither the real handlers (written by others, possibly later) nor bundling.
 */
const stubRoots: string[] = [];
// Each test file imports this module afresh, so this hook removes that file's stub roots.
afterAll(() => {
  for (const root of stubRoots.splice(0)) rmSync(root, { recursive: true, force: true });
});

export function stubProjectRoot(specs: readonly FunctionSpec[]): string {
  const root = mkdtempSync(join(tmpdir(), 'commerce-cdk-'));
  stubRoots.push(root);
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  for (const spec of specs) {
    const file = join(root, spec.entry);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'export const handler = async () => ({ statusCode: 200 });\n');
  }
  return root;
}

export interface TestStacks extends CommerceStacks {
  readonly app: App;
  statefulTemplate(): Template;
  /**
   * The stateless stacks as one template, as if they were one stack: their resources and
   * outputs side by side, each reference between them (an export of one, imported by another)
   * turned back into the Ref or Fn::GetAtt it exports, and those exports left out. References
   * to the stateful stack stay Fn::ImportValue.
   */
  statelessTemplate(): Template;
  /** The template of one stack, by the end of its name (`catalog`, `edge`, `stateful`...). */
  templateOf(name: string): Template;
  /**
   * The synthesis messages (info, warning, error annotations) of the stateless stacks, from one
   * synthesis of the app: `Annotations.fromStack` synthesizes the whole app again on every call.
   */
  statelessMessages(): readonly SynthesisMessage[];
  /** Each stack's template, by stack name. */
  templates(): ReadonlyMap<string, Template>;
}

/** Both stacks of a stage, built the way bin/app.ts builds them (cdk-nag off unless asked). */
export function buildStacks(options: CommerceAppOptions = {}, context: Record<string, unknown> = {}): TestStacks {
  const app = testApp(context);
  const s = options.stateless ?? {};
  const specs = [
    ...Object.values(FUNCTIONS),
    ...(s.functions ?? []),
    ...(s.routes ?? ROUTES).map((r) => r.function),
    (s.defaultRoute ?? DEFAULT_ROUTE).function,
    ...(s.eventRules ?? []).flatMap((r) => r.targets),
    ...(s.schedules ?? []).map((x) => x.target),
    ...(s.eventSourceMappings ?? []).map((m) => m.target),
  ];
  const stacks = defineCommerceApp(app, {
    nag: false,
    ...options,
    stateless: { projectRoot: stubProjectRoot(specs), webDist: WEB_DIST_FIXTURE, ...s },
  });
  const cache = new Map<Stack, Template>();
  const templateFor = (stack: Stack): Template => {
    let template = cache.get(stack);
    if (!template) cache.set(stack, (template = Template.fromStack(stack)));
    return template;
  };
  const all = [stacks.stateful, ...stacks.stateless];
  let merged: Template | undefined;
  let messages: readonly SynthesisMessage[] | undefined;
  return {
    ...stacks,
    app,
    statefulTemplate: () => templateFor(stacks.stateful),
    statelessTemplate: () => (merged ??= mergeTemplates(stacks.stateless.map(templateFor))),
    templateOf: (name) => {
      const found = all.filter((stack) => stack.stackName.endsWith(`-${name}`));
      if (found.length !== 1) throw new Error(`expected one stack named *-${name}, found ${found.length}`);
      return templateFor(found[0]!);
    },
    templates: () => new Map(all.map((stack) => [stack.stackName, templateFor(stack)])),
    statelessMessages: () => (messages ??= stacksMessages(app, stacks.stateless)),
  };
}

function stacksMessages(app: App, stacks: readonly Stack[]): SynthesisMessage[] {
  const assembly = app.synth();
  return stacks.flatMap((stack) => assembly.getStackArtifact(stack.artifactId).messages);
}

type Json = Record<string, unknown>;

/** Several templates as one (see TestStacks.statelessTemplate). */
export function mergeTemplates(templates: readonly Template[]): Template {
  const merged: Record<string, Json> = { Resources: {}, Outputs: {}, Parameters: {}, Conditions: {}, Mappings: {}, Rules: {} };
  const exported = new Map<string, unknown>();
  const jsons = templates.map((t) => t.toJSON() as Record<string, Json | undefined>);
  for (const json of jsons) {
    for (const output of Object.values((json.Outputs ?? {}) as Record<string, { Value: unknown; Export?: { Name: string } }>)) {
      if (output.Export) exported.set(output.Export.Name, output.Value);
    }
  }
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Json);
    if (entries.length === 1 && entries[0]![0] === 'Fn::ImportValue' && typeof entries[0]![1] === 'string' && exported.has(entries[0]![1])) {
      return exported.get(entries[0]![1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  for (const json of jsons) {
    for (const section of Object.keys(merged)) {
      for (const [id, value] of Object.entries((json[section] ?? {}) as Json)) {
        if (section === 'Outputs' && (value as { Export?: { Name: string } }).Export && exported.has((value as { Export: { Name: string } }).Export.Name) && id.startsWith('ExportsOutput')) continue;
        const target = merged[section]!;
        if (id in target && section !== 'Parameters' && section !== 'Rules') throw new Error(`two stacks hold ${section}.${id}`);
        target[id] = resolve(value);
      }
    }
  }
  for (const section of Object.keys(merged)) if (Object.keys(merged[section]!).length === 0) delete merged[section];
  return Template.fromJSON(merged, { skipCyclicalDependenciesCheck: true });
}

/** Construct ids of the Lambda functions that CDK itself provides to the edge stack: the web apps' upload and the web client's update. */
const PROVIDED_FUNCTIONS = /\/(Custom::CDKBucketDeployment[0-9A-Za-z]+|AWS679f53fac002430cb0da5b7982bd2287)\//;

/**
 * A template without the functions CDK provides (see PROVIDED_FUNCTIONS) and their roles,
 * policies and layers: the platform's own functions, for tests about every one of them.
 */
export function withoutProvidedFunctions(template: Template): Template {
  const json = template.toJSON() as { Resources: Record<string, { Metadata?: Record<string, string> }> } & Record<string, unknown>;
  const resources = Object.fromEntries(Object.entries(json.Resources).filter(([, r]) => !PROVIDED_FUNCTIONS.test(`${r.Metadata?.['aws:cdk:path'] ?? ''}/`)));
  return Template.fromJSON({ ...json, Resources: resources }, { skipCyclicalDependenciesCheck: true });
}

/** The construct path of a function's construct: `/commerce-<stage>-<context>/<Context>/Functions/<id>`. */
export function functionPath(stage: string, spec: Pick<FunctionSpec, 'id' | 'entry'>): string {
  const { kebab, pascal } = contextSlug(contextOf(spec));
  return `/commerce-${stage}-${kebab}/${pascal}/Functions/${spec.id}`;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Logical id of the one resource of a type whose construct path contains `pathPart`. */
export function logicalIdOf(template: Template, type: string, pathPart: string): string {
  const found = Object.entries(template.toJSON().Resources as Record<string, { Type: string; Metadata?: Record<string, string> }>).filter(
    ([, r]) => r.Type === type && (r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (found.length !== 1) throw new Error(`expected one ${type} under "${pathPart}", found ${found.length}`);
  return found[0]![0];
}

/** The IAM policy statements attached to a function's role (by spec id). */
export function statementsOf(template: Template, functionId: string): Array<Record<string, unknown>> {
  const resources = template.toJSON().Resources as Resources & Record<string, { Metadata?: Record<string, string> }>;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Metadata?.['aws:cdk:path'] ?? '').includes(`/Functions/${functionId}/Role/`))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement);
}

/** The actions of a statement as a list. */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const action = statement.Action as string | string[];
  return Array.isArray(action) ? action : [action];
}
