import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES } from '#functions/routes';
import { type CommerceAppOptions, type CommerceStacks, defineCommerceApp } from '#lib/commerce-app';

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
  statelessTemplate(): Template;
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
    stateless: { projectRoot: stubProjectRoot(specs), ...s },
  });
  let stateful: Template | undefined;
  let stateless: Template | undefined;
  return {
    ...stacks,
    app,
    statefulTemplate: () => (stateful ??= Template.fromStack(stacks.stateful)),
    statelessTemplate: () => (stateless ??= Template.fromStack(stacks.stateless)),
  };
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
    .flatMap((r) => ((r.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement));
}

/** The actions of a statement as a list. */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const action = statement.Action as string | string[];
  return Array.isArray(action) ? action : [action];
}
