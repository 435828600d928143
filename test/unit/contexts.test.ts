import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, SCHEDULES } from '#functions/events';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES, type Route, routeKey } from '#functions/routes';

/**
 * Each context declares its functions, routes and asynchronous wiring beside its handlers
 * (functions/<context>/<context>.functions.ts, .routes.ts, .events.ts); registry.ts, routes.ts
 * and events.ts merge them. These tests find the declaration files on disk, so a context
 * forgotten in a merge, a name declared twice or a spec in another context's folder fails here.
 */
const root = new URL('../../', import.meta.url);
const files = (readdirSync(new URL('functions/', root), { recursive: true }) as string[]).map((f) => `functions/${f.replaceAll('\\', '/')}`).sort();
const handlerFiles = files.filter((f) => f.endsWith('.handler.ts'));

type Kind = 'functions' | 'routes' | 'events';
interface Declaration {
  readonly file: string;
  /** The folder, e.g. `flash-sales`. */
  readonly context: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

async function declarations(kind: Kind): Promise<Declaration[]> {
  const declared = files.filter((f) => f.endsWith(`.${kind}.ts`));
  return Promise.all(
    declared.map(async (file) => ({
      file,
      context: file.split('/')[1]!,
      exports: (await import(new URL(file, root).href)) as Record<string, unknown>,
    })),
  );
}

const [functionFiles, routeFiles, eventFiles] = await Promise.all([declarations('functions'), declarations('routes'), declarations('events')]);

const camel = (context: string) => context.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const isSpec = (value: unknown): value is FunctionSpec => typeof (value as FunctionSpec | undefined)?.entry === 'string';
const contextOf = (spec: FunctionSpec) => spec.entry.split('/')[1];
const registered = new Set<FunctionSpec>(Object.values(FUNCTIONS));

/** The entries of a context's `<context>Xxx` exports that are lists (routes, rules, schedules, event sources). */
function listed<T>(declared: readonly Declaration[], suffix: string): Array<{ readonly file: string; readonly context: string; readonly item: T }> {
  return declared.flatMap(({ file, context, exports }) => {
    const list = exports[`${camel(context)}${suffix}`];
    return Array.isArray(list) ? list.map((item: T) => ({ file, context, item })) : [];
  });
}

describe('each context declares its own functions, routes and event wiring; the merged lists hold them all', () => {
  it('declaration files sit in a context folder and are named after it', () => {
    const declarations = [...functionFiles, ...routeFiles, ...eventFiles];
    expect(declarations.length).toBeGreaterThan(0);
    for (const { file, context } of declarations) expect(file).toMatch(new RegExp(`^functions/${context}/${context}\\.(functions|routes|events)\\.ts$`));
    // Every folder with handlers declares its functions.
    const contexts = new Set(handlerFiles.map((f) => f.split('/')[1]));
    expect(new Set(functionFiles.map((d) => d.context))).toEqual(contexts);
  });

  it('they never import the merge modules, not even for types (no import cycle; their types are in definitions.ts)', () => {
    for (const { file } of [...functionFiles, ...routeFiles, ...eventFiles]) {
      const source = readFileSync(new URL(file, root), 'utf8');
      const imported = [...source.matchAll(/^import [^;]*from '([^']+)'/gm)].map((m) => m[1]);
      expect(
        imported.filter((from) => /^(\.\.\/|#functions\/)(registry|routes|events)$/.test(from!)),
        file,
      ).toEqual([]);
    }
  });

  it('every function of a context is in FUNCTIONS under the same name, and no name is declared twice', () => {
    const declaredBy = new Map<string, string[]>();
    for (const { file, context, exports } of functionFiles) {
      const group = exports[`${camel(context)}Functions`] as Record<string, FunctionSpec> | undefined;
      expect(group, `${file} exports ${camel(context)}Functions`).toBeDefined();
      for (const [name, spec] of Object.entries(group!)) {
        declaredBy.set(name, [...(declaredBy.get(name) ?? []), file]);
        expect(FUNCTIONS[name as keyof typeof FUNCTIONS], `${name} of ${file}`).toBe(spec);
      }
    }
    expect([...declaredBy].filter(([, by]) => by.length > 1)).toEqual([]);
    expect([...declaredBy.keys()].sort()).toEqual(Object.keys(FUNCTIONS).sort());
  });

  it('function ids are unique', () => {
    const ids = [...registered, ...functionFiles.flatMap(({ exports }) => Object.values(exports).filter(isSpec))].map((spec) => spec.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    for (const id of ids) expect(id).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });

  it('every handler file is declared exactly once, in the context folder of its entry', () => {
    const specs = functionFiles.flatMap(({ file, context, exports }) =>
      Object.values(exports)
        .flatMap((value) => (isSpec(value) ? [value] : Object.values(value as Record<string, FunctionSpec>)))
        .map((spec) => ({ file, context, spec })),
    );
    for (const { file, context, spec } of specs) expect(contextOf(spec), `${spec.id} declared in ${file}`).toBe(context);
    expect(specs.map(({ spec }) => spec.entry).sort()).toEqual(handlerFiles);
  });

  it('ROUTES holds every route of every context once, each answered by a function of FUNCTIONS from the same context', () => {
    const routes = listed<Route>(routeFiles, 'Routes');
    expect(routes.length).toBe(ROUTES.length);
    expect(new Set(routes.map(({ item }) => item))).toEqual(new Set(ROUTES));
    for (const { file, context, item } of routes) {
      expect(registered.has(item.function), `${routeKey(item)}: ${item.function.id} is in FUNCTIONS`).toBe(true);
      expect(contextOf(item.function), `${routeKey(item)} declared in ${file}`).toBe(context);
      expect(item.auth).toBe(item.contract.auth);
    }
    const keys = ROUTES.map(routeKey);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
    expect(registered.has(DEFAULT_ROUTE.function)).toBe(true);
  });

  it('no request matches two routes, so the order in which ROUTES merges the contexts does not matter', () => {
    // A `{param}` segment matches any one segment (the local gateway's `[^/]+`, as API Gateway); a `{proxy+}` the rest.
    const param = (segment: string | undefined) => segment !== undefined && /^\{[^}]+\}$/.test(segment);
    const greedy = (segment: string | undefined) => segment !== undefined && /^\{[^}]+\+\}$/.test(segment);
    const overlap = (a: readonly string[], b: readonly string[]): boolean => {
      if (greedy(a[0]) || greedy(b[0])) return true;
      if (a.length === 0 || b.length === 0) return a.length === b.length;
      if (!param(a[0]) && !param(b[0]) && a[0] !== b[0]) return false;
      return overlap(a.slice(1), b.slice(1));
    };
    const ambiguous = ROUTES.flatMap((a, i) =>
      ROUTES.slice(i + 1)
        .filter((b) => a.method === b.method && overlap(a.path.split('/'), b.path.split('/')))
        .map((b) => `${routeKey(a)} / ${routeKey(b)}`),
    );
    expect(ambiguous).toEqual([]);
  });

  it('the event lists hold every rule, schedule and event source of every context once, each targeting a function of FUNCTIONS from the same context', () => {
    const lists = [
      { suffix: 'EventRules', merged: EVENT_RULES, targets: (r: (typeof EVENT_RULES)[number]) => r.targets },
      { suffix: 'Schedules', merged: SCHEDULES, targets: (s: (typeof SCHEDULES)[number]) => [s.target] },
      { suffix: 'EventSourceMappings', merged: EVENT_SOURCE_MAPPINGS, targets: (m: (typeof EVENT_SOURCE_MAPPINGS)[number]) => [m.target] },
    ] as const;
    for (const { suffix, merged, targets } of lists) {
      const declared = listed<(typeof merged)[number]>(eventFiles, suffix);
      expect(declared.length, suffix).toBe(merged.length);
      expect(new Set(declared.map(({ item }) => item)), suffix).toEqual(new Set<unknown>(merged));
      for (const { file, context, item } of declared) {
        for (const target of (targets as (x: typeof item) => readonly FunctionSpec[])(item)) {
          expect(registered.has(target), `${item.id}: ${target.id} is in FUNCTIONS`).toBe(true);
          expect(contextOf(target), `${item.id} declared in ${file}`).toBe(context);
        }
      }
    }
    // Every export of an events file is one of those lists.
    for (const { file, context, exports } of eventFiles) {
      for (const name of Object.keys(exports))
        expect(
          lists.map(({ suffix }) => `${camel(context)}${suffix}`),
          `${name} of ${file}`,
        ).toContain(name);
    }
    const ids = [...EVENT_RULES, ...SCHEDULES, ...EVENT_SOURCE_MAPPINGS].map((x) => x.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });
});
