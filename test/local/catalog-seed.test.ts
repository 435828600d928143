import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '#bin/local/catalog-seed';

/**
 * The demo seed's run id: kept in a file, a seed started again after a kill posts the same
 * parts under the same Idempotency-Keys (so the platform finds the imports of the killed run)
 * instead of starting new imports. A stand-in import API records what it is sent.
 */
let server: Server;
let apiUrl = '';
const posts: Array<{ key: string; bodyHash: string }> = [];
/** Refuses every POST while set (the first start dying before its imports began). */
let refusePosts = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        if (refusePosts) {
          res.writeHead(400).end(JSON.stringify({ code: 'validation_failed', detail: 'refused by the test' }));
          return;
        }
        const body = Buffer.concat(chunks).toString();
        const key = String(req.headers['idempotency-key']);
        posts.push({ key, bodyHash: createHash('sha256').update(body).digest('hex') });
        res.writeHead(202).end(JSON.stringify({ importId: `imp_${key}`, status: 'running' }));
        return;
      }
      res.writeHead(200).end(JSON.stringify({ status: 'done', created: 0, updated: 0, failed: 0, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('demo catalog seed run', () => {
  it('posts the same parts under the same keys when started again with its run file, and new keys without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-run-'));
    try {
      const runFile = join(dir, 'demo-catalog-1500.run');
      const seed = () => seedCatalog({ apiUrl, shopId: 'demo', count: 1_500, runFile, token: 'test-token' });

      // The first start dies after writing its run id (here: its POSTs are refused).
      refusePosts = true;
      await expect(seed()).rejects.toThrow(/HTTP 400/);
      expect(existsSync(runFile)).toBe(true);
      const run = readFileSync(runFile, 'utf8');
      refusePosts = false;

      posts.length = 0;
      await seed();
      const resumed = posts.splice(0);
      await seed();
      const again = posts.splice(0);
      expect(resumed.length).toBe(2); // 1,500 lines in parts of 1,000
      expect(resumed.map((p) => p.key)).toEqual([`seed-${run}-0`, `seed-${run}-1`]);
      expect(again).toEqual(resumed);

      await seedCatalog({ apiUrl, shopId: 'demo', count: 1_500, token: 'test-token' });
      const fresh = posts.splice(0);
      expect(fresh.map((p) => p.bodyHash)).toEqual(resumed.map((p) => p.bodyHash));
      expect(fresh.map((p) => p.key)).not.toEqual(resumed.map((p) => p.key));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
