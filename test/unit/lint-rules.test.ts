import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The layering rules of .dependency-cruiser.cjs (run by `npm run lint`), each shown to fail on a
// deliberate violation: test/fixtures/lint/layers/ is a miniature of the project's folders where
// every `breaks-<rule>` file breaks that rule and the `allowed-*` files break none. The fixture is
// cruised the way the README shows, with the project's own configuration.
const root = resolve(import.meta.dirname, '../..');
const fixture = resolve(root, 'test/fixtures/lint/layers');
const config = resolve(root, '.dependency-cruiser.cjs');
const { forbidden } = createRequire(import.meta.url)(config) as { forbidden: readonly { name: string }[] };

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

async function cruiseFixture(): Promise<Violation[]> {
  const bin = resolve(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  // depcruise exits non-zero when it finds violations, which is the point here: read its report either way.
  const stdout = await promisify(execFile)(process.execPath, [bin, '.', '--config', config, '--output-type', 'json'], { cwd: fixture, maxBuffer: 16 * 1024 * 1024 }).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

let cruised: Promise<Violation[]> | undefined;
const violationsOfFixture = (): Promise<Violation[]> => (cruised ??= cruiseFixture());

describe('layering rules (dependency-cruiser)', () => {
  it('each rule fails on its deliberate violation, and on nothing else', async () => {
    const violations = await violationsOfFixture();
    // A cycle is reported from the module where the cruise met it first: either file of the pair.
    const found = violations.map((v) => `${v.rule.name}: ${v.from.replace(/breaks-no-circular-[ab]/, 'breaks-no-circular-*')}`).sort();
    expect(found).toEqual(
      [
        'api-client-imports-platform: web/api-client/breaks-api-client-imports-platform.ts',
        'domain-imports-adapter: shared/cart/breaks-domain-imports-adapter.ts',
        'domain-imports-sdk: shared/cart/breaks-domain-imports-sdk.ts',
        'domain-imports-sdk: shared/orders/breaks-domain-imports-sdk-powertools.ts',
        'functions-import-bin: functions/cart/breaks-functions-import-bin.handler.ts',
        'lib-imports-local-runtime: lib/breaks-lib-imports-local-runtime.ts',
        'no-circular: shared/orders/breaks-no-circular-*.ts',
        'not-to-unresolvable: shared/cart/breaks-not-to-unresolvable.ts',
        'web-imports-beyond-api-client: web/shop/breaks-web-imports-beyond-api-client.ts',
        'web-imports-sdk: web/shop/breaks-web-imports-sdk.ts',
      ].sort(),
    );
    // The SDK rule matches the packages, wherever their node_modules is.
    expect(violations.find((v) => v.from === 'shared/cart/breaks-domain-imports-sdk.ts')?.to).toMatch(/node_modules\/@aws-sdk\/client-dynamodb\//);
    expect(violations.find((v) => v.from.startsWith('shared/orders/breaks-no-circular'))?.to).toMatch(/^shared\/orders\/breaks-no-circular-[ab]\.ts$/);
  });

  it('every rule of the configuration has a fixture that breaks it', async () => {
    const fired = new Set((await violationsOfFixture()).map((v) => v.rule.name));
    expect(forbidden.map((rule) => rule.name).filter((name) => !fired.has(name))).toEqual([]);
  });
});
