import { beforeAll, describe, expect, it } from 'vitest';
import { buildStacks } from './support';

/**
 * The synthesized templates carry no secret values: secrets live in Secrets Manager and
 * functions get their ARNs. Checked on a small stage and on production, each with every
 * context key that brings configuration in: no local default secret, no Stripe key or webhook
 * secret, no private key or AWS access key, and no function environment variable that holds a
 * secret's value rather than its ARN.
 */
const STAGES = {
  dev: {},
  prod: { stage: 'prod', emailIdentity: 'shop.example.com', emailFrom: 'orders@shop.example.com', warehouseUrl: 'https://wms.example.com/v1/orders', alarmEmail: 'ops@shop.example.com' },
} as const;

/** The public values of the local runtime (shared/config.ts, bin/local/platform.ts). */
const LOCAL_SECRETS = ['local-carrier-secret', 'local-warehouse-secret', 'local-dev-secret', 'whsec_local_commerce', 'sk_test_local'];

const SECRET_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['a Stripe secret or restricted key', /\b[sr]k_(test|live)_[A-Za-z0-9]{4,}/],
  ['a Stripe webhook secret', /\bwhsec_[A-Za-z0-9]{4,}/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['an AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
];

/** An environment variable named like a secret; only its ARN may be given (`…_ARN`). */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|PRIVATE|API_KEY|AUTH/;

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

const templates: Array<{ name: string; json: Record<string, any> }> = [];

beforeAll(() => {
  for (const [stage, context] of Object.entries(STAGES)) {
    const stacks = buildStacks({}, context);
    templates.push({ name: `${stage} stateful`, json: stacks.statefulTemplate().toJSON() }, { name: `${stage} stateless`, json: stacks.statelessTemplate().toJSON() });
  }
});

describe('synthesized templates', () => {
  it('contain none of the local runtime’s public secrets', () => {
    for (const { name, json } of templates) {
      const text = JSON.stringify(json);
      for (const value of LOCAL_SECRETS) expect(text.includes(value), `${name} contains ${value}`).toBe(false);
    }
  });

  it('contain no Stripe key, webhook secret, private key or access key', () => {
    for (const { name, json } of templates) {
      const text = JSON.stringify(json);
      for (const [what, pattern] of SECRET_PATTERNS) expect(text.match(pattern)?.[0], `${name} contains ${what}`).toBeUndefined();
    }
  });

  it('give functions secrets by ARN only, and never the local stage (whose secrets are public)', () => {
    let functions = 0;
    for (const { name, json } of templates) {
      for (const [id, resource] of Object.entries(json.Resources as Resources)) {
        if (resource.Type !== 'AWS::Lambda::Function') continue;
        functions++;
        const variables: Record<string, unknown> = resource.Properties?.Environment?.Variables ?? {};
        const secretLike = Object.keys(variables).filter((key) => SECRET_NAME.test(key) && !key.endsWith('_ARN'));
        expect(secretLike, `${name} ${id}`).toEqual([]);
        if ('STAGE' in variables) expect(variables.STAGE, `${name} ${id}`).not.toBe('local');
      }
    }
    expect(functions).toBeGreaterThan(40);
  });

  it('refuses to synthesize the stage named local', () => {
    expect(() => buildStacks({}, { stage: 'local' })).toThrow(/Invalid stage "local"/);
  });
});
