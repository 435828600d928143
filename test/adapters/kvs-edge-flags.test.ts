import { ConflictException, DescribeKeyValueStoreCommand, PutKeyCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { SignatureV4MultiRegion } from '@aws-sdk/signature-v4-multi-region';
import { describe, expect, it, vi } from 'vitest';
import { keyValueStoreEdgeFlags } from '#shared/adapters/cloudfront/kvs-edge-flags';
import type { PublicSaleView } from '#shared/flash-sales/flash-sale-ports';

/**
 * The KeyValueStore adapter has no local engine (the local platform's store is
 * bin/local/edge-store.ts, behind local-edge-flags.ts): its requests are checked against the
 * SDK's command shapes here.
 */
const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const VIEW: PublicSaleView = {
  saleId: 'sale_1',
  sku: 'DROP-1',
  status: 'sold_out',
  units: 10,
  startsAt: '2026-11-25T12:00:00.000Z',
  endsAt: '2026-11-25T13:00:00.000Z',
  perCustomerLimit: 1,
  holdSeconds: 300,
};

function fakeClient(failures: Error[] = []) {
  let etag = 0;
  const send = vi.fn(async (command: unknown) => {
    if (command instanceof DescribeKeyValueStoreCommand) return { ETag: `etag-${++etag}`, ItemCount: 0, TotalSizeInBytes: 0 };
    if (command instanceof PutKeyCommand) {
      const failure = failures.shift();
      if (failure) throw failure;
      return { ETag: `etag-${++etag}`, ItemCount: 1, TotalSizeInBytes: 100 };
    }
    throw new Error('unexpected command');
  });
  return { send } as unknown as { send: typeof send } & Parameters<typeof keyValueStoreEdgeFlags>[0];
}

describe('keyValueStoreEdgeFlags', () => {
  it('puts the sale view under {shopId}/{saleId} with the store’s current ETag', async () => {
    const client = fakeClient();
    await keyValueStoreEdgeFlags(client, ARN).flag('shop-1', 'sale_1', VIEW);
    const inputs = client.send.mock.calls.map(([command]) => (command as { input: unknown }).input);
    expect(inputs).toEqual([{ KvsARN: ARN }, { KvsARN: ARN, Key: 'shop-1/sale_1', Value: JSON.stringify(VIEW), IfMatch: 'etag-1' }]);
    expect(JSON.stringify(VIEW).length).toBeLessThan(1024); // CloudFront's limit on a value
  });

  it('reads the ETag again once when another writer changed the store in between', async () => {
    const client = fakeClient([new ConflictException({ message: 'ETag mismatch', $metadata: {} })]);
    await keyValueStoreEdgeFlags(client, ARN).flag('shop-1', 'sale_1', VIEW);
    const puts = client.send.mock.calls.map(([command]) => command).filter((command) => command instanceof PutKeyCommand);
    expect(puts.map((command) => command.input.IfMatch)).toEqual(['etag-1', 'etag-2']);
  });

  it('lets any other failure through to the caller (which logs it and carries on)', async () => {
    const client = fakeClient([new Error('AccessDenied')]);
    await expect(keyValueStoreEdgeFlags(client, ARN).flag('shop-1', 'sale_1', VIEW)).rejects.toThrow('AccessDenied');
  });

  it('has a SigV4A signer: the JS implementation is registered with the SDK', () => {
    expect(SignatureV4MultiRegion.sigv4aDependency()).toBe('js');
  });
});
