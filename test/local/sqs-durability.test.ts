import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureQueues, type LocalQueue } from '#bin/local/sqs';
import { QUEUES } from '#shared/platform/queues';

/**
 * The local SQS server in a child process on a data folder, killed with SIGKILL (no shutdown
 * code runs) and started again on the same folder: what it acknowledged is still there.
 */
const running: ChildProcess[] = [];
const folders: string[] = [];

afterAll(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

async function startServer(dataDir: string): Promise<{ child: ChildProcess; endpoint: string; client: SQSClient }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local/sqs-server.ts', '--port', '0', '--data-dir', dataDir, '--redeliver-in-flight'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SQS server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /\{"endpoint":"(http:\/\/127\.0\.0\.1:\d+)"\}/.exec(output)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`the SQS server exited (${code ?? signal}):\n${output}`)));
  });
  const client = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  return { child, endpoint, client };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

const dataFolder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sqs-durability-'));
  folders.push(dir);
  return dir;
};

/** The same queue URL on the restarted server's port. */
const onServer = (url: string, endpoint: string) => url.replace(/^http:\/\/[^/]+/, endpoint);

async function counts(client: SQSClient, url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

const ticket = (group: number, n: number) => ({ body: JSON.stringify({ group, n }), group: `sale-1:${group}`, dedupId: `sale-1:0:${group}-${n}` });
const parsed = (message: Message) => JSON.parse(message.Body!) as { group: number; n: number };

describe('local SQS killed with SIGKILL and started again on its data folder', () => {
  it('loses no message, keeps FIFO deduplication and group order, and hands back at once what was in flight', async () => {
    const dataDir = dataFolder();
    const first = await startServer(dataDir);
    const queues: Record<string, LocalQueue> = await ensureQueues(first.client, 'dur-');
    const fifo = queues.flashSaleEntries!;
    const standard = queues.productImports!;

    // Three ticket groups of eight, in order, sent singly and in batches; every send retried once (as a client whose answer was lost would).
    const groups = [0, 1, 2];
    const sent = groups.flatMap((g) => Array.from({ length: 8 }, (_, n) => ticket(g, n)));
    for (let i = 0; i < sent.length; i += 6) {
      const slice = sent.slice(i, i + 6);
      const entries = slice.map((t, k) => ({ Id: String(k), MessageBody: t.body, MessageGroupId: t.group, MessageDeduplicationId: t.dedupId }));
      expect((await first.client.send(new SendMessageBatchCommand({ QueueUrl: fifo.url, Entries: entries }))).Failed ?? []).toEqual([]);
      for (const t of slice) await first.client.send(new SendMessageCommand({ QueueUrl: fifo.url, MessageBody: t.body, MessageGroupId: t.group, MessageDeduplicationId: t.dedupId }));
    }
    await first.client.send(new SendMessageCommand({ QueueUrl: standard.url, MessageBody: 'import chunk 0' }));
    expect(await counts(first.client, fifo.url)).toEqual({ visible: 24, inFlight: 0 });

    // One message at a time: a group in flight is skipped, so the heads of the three groups come.
    const receiveOne = async () => {
      const got = (await first.client.send(new ReceiveMessageCommand({ QueueUrl: fifo.url, MaxNumberOfMessages: 1 }))).Messages ?? [];
      expect(got).toHaveLength(1);
      return got[0]!;
    };
    const zeros = [await receiveOne(), await receiveOne(), await receiveOne()];
    expect(zeros.map(parsed)).toEqual(groups.map((group) => ({ group, n: 0 })));
    for (const m of zeros) await first.client.send(new DeleteMessageCommand({ QueueUrl: fifo.url, ReceiptHandle: m.ReceiptHandle! }));
    // Ticket 1 of each group is received and left in flight (its receiver dies with the process).
    const inFlight = [await receiveOne(), await receiveOne(), await receiveOne()];
    expect(inFlight.map(parsed)).toEqual(groups.map((group) => ({ group, n: 1 })));
    expect(await counts(first.client, fifo.url)).toEqual({ visible: 18, inFlight: 3 });
    expect((await first.client.send(new ReceiveMessageCommand({ QueueUrl: fifo.url, MaxNumberOfMessages: 10 }))).Messages ?? []).toEqual([]);
    // The visibility timeout is the queue's (180 s): without the restart's redelivery these would be hidden for minutes.
    expect(QUEUES.flashSaleEntries.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(60);

    await kill(first.child);
    const second = await startServer(dataDir);
    const fifoUrl = onServer(fifo.url, second.endpoint);

    // Nothing lost: 24 sent, 3 deleted; what was in flight is visible at once.
    expect(await counts(second.client, fifoUrl)).toEqual({ visible: 21, inFlight: 0 });
    // Deduplication still holds for every ticket, the deleted ones too.
    for (const t of sent) {
      await second.client.send(new SendMessageCommand({ QueueUrl: fifoUrl, MessageBody: t.body, MessageGroupId: t.group, MessageDeduplicationId: t.dedupId }));
    }
    expect(await counts(second.client, fifoUrl)).toEqual({ visible: 21, inFlight: 0 });

    // Every remaining ticket comes out once, each group in order from ticket 1; the ones in flight before the kill carry their second receive.
    const seen = new Map<number, number[]>(groups.map((g) => [g, []]));
    const receiveCounts = new Map<string, number>();
    for (let round = 0; round < 50 && [...seen.values()].some((ns) => ns.length < 7); round++) {
      const got = (await second.client.send(new ReceiveMessageCommand({ QueueUrl: fifoUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }))).Messages ?? [];
      for (const m of got) {
        const { group, n } = parsed(m);
        seen.get(group)!.push(n);
        receiveCounts.set(`${group}-${n}`, Number(m.Attributes?.ApproximateReceiveCount));
        await second.client.send(new DeleteMessageCommand({ QueueUrl: fifoUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
    }
    for (const g of groups) expect(seen.get(g)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const m of inFlight) expect(receiveCounts.get(`${parsed(m).group}-${parsed(m).n}`)).toBe(2);
    expect(await counts(second.client, fifoUrl)).toEqual({ visible: 0, inFlight: 0 });

    const imports = (await second.client.send(new ReceiveMessageCommand({ QueueUrl: onServer(standard.url, second.endpoint) }))).Messages ?? [];
    expect(imports.map((m) => m.Body)).toEqual(['import chunk 0']);

    first.client.destroy();
    second.client.destroy();
    await kill(second.child);
  });

  it('keeps every send it acknowledged when killed in the middle of a stream of sends', async () => {
    const dataDir = dataFolder();
    const first = await startServer(dataDir);
    const { flashSaleEntries: fifo } = await ensureQueues(first.client, 'mid-');
    const acknowledged = new Set<string>();
    let next = 0;
    let killed: Promise<void> | undefined;
    const sender = async () => {
      for (;;) {
        const n = next++;
        try {
          await first.client.send(new SendMessageCommand({ QueueUrl: fifo.url, MessageBody: `t${n}`, MessageGroupId: `g${n % 16}`, MessageDeduplicationId: `t${n}` }));
        } catch {
          return; // the server is gone
        }
        acknowledged.add(`t${n}`);
        if (acknowledged.size === 100) killed = kill(first.child);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    await killed;
    expect(acknowledged.size).toBeGreaterThanOrEqual(100);

    const second = await startServer(dataDir);
    const url = onServer(fifo.url, second.endpoint);
    const present = new Set<string>();
    for (let round = 0; round < 200; round++) {
      const got = (await second.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];
      if (got.length === 0) break;
      for (const m of got) present.add(m.Body!);
      await second.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    const lost = [...acknowledged].filter((body) => !present.has(body));
    expect(lost).toEqual([]);
    // At most the sends in flight at the kill are there without an answer.
    expect(present.size - acknowledged.size).toBeLessThanOrEqual(8);

    first.client.destroy();
    second.client.destroy();
    await kill(second.child);
  });
});
