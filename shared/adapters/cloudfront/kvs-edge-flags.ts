// CloudFront KeyValueStore requests are signed with SigV4A; the SDK finds the JS signer once this package is loaded.
import '@smithy/signature-v4a';
import { CloudFrontKeyValueStoreClient, ConflictException, DescribeKeyValueStoreCommand, PutKeyCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { EdgeFlags } from '#shared/flash-sales/flash-sale-ports';
import { traceClient } from '#shared/observability';
import { awsClientOptions } from '../aws/client-options';

/** One client per process, with budgeted attempts: a flag is written off the hot path, and a failure only defers it. */
export const keyValueStoreClient = traceClient(new CloudFrontKeyValueStoreClient(awsClientOptions({ service: 'CloudFrontKeyValueStore', requestTimeoutMs: 3_000, maxAttempts: 3 })));

/**
 * Sale flags in a CloudFront KeyValueStore, under `{shopId}/{saleId}`, read by the edge
 * function (functions/edge/sold-out.js). PutKey needs the store's current ETag (optimistic
 * concurrency): it is read first, and read again once when another writer changed the store.
 */
export function keyValueStoreEdgeFlags(client: Pick<CloudFrontKeyValueStoreClient, 'send'>, kvsArn: string): EdgeFlags {
  async function put(key: string, value: string): Promise<void> {
    const { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
    await client.send(new PutKeyCommand({ KvsARN: kvsArn, Key: key, Value: value, IfMatch: ETag }));
  }
  return {
    async flag(shopId, saleId, view) {
      const key = `${shopId}/${saleId}`;
      const value = JSON.stringify(view);
      try {
        await put(key, value);
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
        await put(key, value);
      }
    },
  };
}
