import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpWarehouseFromConfig } from '#shared/adapters/warehouse/http-warehouse';
import { ConfigError, resetConfig, secretSource } from '#shared/config';
import { carrierSecrets } from '#shared/adapters/aws/carrier-secrets';
import { streamTokenSecret } from '#functions/flash-sales/flash-sale-wiring';

/**
 * The carriers' and the warehouse's webhook secrets, and the stream token secret, fail closed: outside the local stage a
 * function without the secret's ARN stops at cold start with a ConfigError naming what is
 * missing, instead of signing and verifying with the public local values.
 */
const VARIABLES = [
  'STAGE',
  'CARRIER_SECRETS_ARN',
  'WAREHOUSE_SECRET_ARN',
  'WAREHOUSE_URL',
  'LOCAL_CARRIER_SECRET',
  'WAREHOUSE_SECRET',
  'STREAM_TOKEN_SECRET_ARN',
  'LOCAL_STREAM_TOKEN_SECRET',
] as const;
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of VARIABLES) delete process.env[name];
  process.env.WAREHOUSE_URL = 'https://wms.example.com/orders';
  resetConfig();
});

afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetConfig();
});

const onStage = (stage: string, env: Record<string, string> = {}) => {
  Object.assign(process.env, { STAGE: stage, ...env });
  resetConfig();
};

describe('webhook secrets outside the local stage', () => {
  it('stops the carrier webhook function when the carriers’ secret ARN is missing', () => {
    onStage('prod');
    expect(() => carrierSecrets()).toThrow(ConfigError);
    expect(() => carrierSecrets()).toThrow(/CARRIER_SECRETS_ARN on stage prod/);
  });

  it('stops the warehouse hand-over when the warehouse secret ARN is missing, even with WAREHOUSE_SECRET set', () => {
    onStage('dev', { WAREHOUSE_SECRET: 'something-from-an-env-file' });
    expect(() => httpWarehouseFromConfig()).toThrow(ConfigError);
    expect(() => httpWarehouseFromConfig()).toThrow(/WAREHOUSE_SECRET_ARN on stage dev/);
  });

  it('stops the entry and stream functions when the stream token secret ARN is missing, even with LOCAL_STREAM_TOKEN_SECRET set', () => {
    onStage('prod', { LOCAL_STREAM_TOKEN_SECRET: 'from-an-env-file' });
    expect(() => streamTokenSecret()).toThrow(/STREAM_TOKEN_SECRET_ARN on stage prod/);
    onStage('prod', { STREAM_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stream' });
    expect(typeof streamTokenSecret()).toBe('function');
  });

  it('reads the secret from its ARN when it is given (nothing is fetched before a call)', () => {
    onStage('prod', { CARRIER_SECRETS_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:carriers', WAREHOUSE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:wms' });
    expect(secretSource('CARRIER_SECRETS_ARN', () => 'local')).toEqual({ arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:carriers' });
    expect(typeof carrierSecrets()).toBe('function');
    expect(typeof httpWarehouseFromConfig().handOver).toBe('function');
  });
});

describe('webhook secrets on the local stage', () => {
  it('uses the local values', async () => {
    onStage('local');
    expect(await carrierSecrets()('ups')).toBe('local-carrier-secret');
    expect(secretSource('WAREHOUSE_SECRET_ARN', (settings) => settings.WAREHOUSE_SECRET)).toEqual({ value: 'local-warehouse-secret' });
    expect(await streamTokenSecret()()).toBe('local-stream-token-secret');
    expect(typeof httpWarehouseFromConfig().handOver).toBe('function');
    expect(await streamTokenSecret()()).toBe('local-stream-token-secret');
  });
});
