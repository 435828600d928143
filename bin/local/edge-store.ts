import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalKeyValueStore } from './edge-function';

export interface LocalEdgeStoreServer {
  /** Base URL of the store's write endpoint (EDGE_FLAGS_URL for the handlers). */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The write side of the local CloudFront KeyValueStore: `PUT /keys/{key}` (the body is the
 * value) and `DELETE /keys/{key}`, on 127.0.0.1. The handlers reach it as they reach any
 * other store, over HTTP (shared/adapters/cloudfront/local-edge-flags.ts); the gateway's
 * edge function reads the same store object.
 */
export async function startLocalEdgeStore(store: LocalKeyValueStore, port = 0): Promise<LocalEdgeStoreServer> {
  const server = createServer((req, res) => {
    const match = /^\/keys\/([^/]+)$/.exec(req.url ?? '');
    if (!match) return void res.writeHead(404).end();
    const key = decodeURIComponent(match[1]!);
    if (req.method === 'DELETE') {
      store.delete(key);
      return void res.writeHead(204).end();
    }
    if (req.method !== 'PUT') return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const value = Buffer.concat(chunks).toString('utf8');
      // CloudFront's limits: keys up to 512 bytes, values up to 1 KB.
      if (Buffer.byteLength(key) > 512 || Buffer.byteLength(value) > 1024) return void res.writeHead(400).end();
      store.put(key, value);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
