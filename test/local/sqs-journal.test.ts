import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, DeleteMessageBatchCommand, CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '#bin/local/sqs-journal';
import { startSqs } from '#bin/local/sqs';

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sqs-journal-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Rec = { n: number; text?: string };

describe('SQS journal', () => {
  it('replays what was appended, in order', () => {
    const file = join(folder(), 'journal.ndjson');
    const first = Journal.open<Rec>(file);
    expect(first.records).toEqual([]);
    for (let n = 1; n <= 3; n++) first.journal.append({ n });
    first.journal.close();
    const again = Journal.open<Rec>(file, { fsync: 'always' });
    expect(again.records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    again.journal.append({ n: 4 });
    again.journal.close();
    expect(Journal.open<Rec>(file).records.map((r) => r.n)).toEqual([1, 2, 3, 4]);
  });

  it('drops a last line cut short (the process died mid-write) and appends cleanly after it', () => {
    const file = join(folder(), 'journal.ndjson');
    const { journal } = Journal.open<Rec>(file);
    journal.append({ n: 1 });
    journal.close();
    appendFileSync(file, '{"n":2,"text":"cut he');
    const opened = Journal.open<Rec>(file);
    expect(opened.records).toEqual([{ n: 1 }]);
    expect(opened.droppedTailBytes).toBe(Buffer.byteLength('{"n":2,"text":"cut he'));
    opened.journal.append({ n: 3 });
    opened.journal.close();
    expect(Journal.open<Rec>(file).records).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('measures a tail cut inside a multi-byte character in bytes', () => {
    const file = join(folder(), 'journal.ndjson');
    const { journal } = Journal.open<Rec>(file);
    journal.append({ n: 1, text: 'Café · 雪' });
    journal.close();
    const cut = Buffer.from('{"n":2,"text":"雪');
    appendFileSync(file, cut.subarray(0, cut.length - 1)); // the last character loses its last byte
    const opened = Journal.open<Rec>(file);
    expect(opened.droppedTailBytes).toBe(cut.length - 1);
    opened.journal.append({ n: 3, text: '雪' });
    opened.journal.close();
    expect(Journal.open<Rec>(file).records).toEqual([
      { n: 1, text: 'Café · 雪' },
      { n: 3, text: '雪' },
    ]);
  });

  it('refuses a journal damaged before its last line instead of skipping records', () => {
    const file = join(folder(), 'journal.ndjson');
    const { journal } = Journal.open<Rec>(file);
    journal.append({ n: 1 });
    journal.close();
    appendFileSync(file, 'garbage\n{"n":2}\n');
    expect(() => Journal.open<Rec>(file)).toThrow(/damaged at line 3/);
    writeFileSync(file, '{"journal":"other"}\n');
    expect(() => Journal.open<Rec>(file)).toThrow(/not a version 1/);
  });

  it('compacts: a rewrite replaces the records atomically, and asks again only after the journal doubled', () => {
    const file = join(folder(), 'journal.ndjson');
    const { journal } = Journal.open<Rec>(file, { compactAtBytes: 1_000 });
    let n = 0;
    while (!journal.shouldCompact) journal.append({ n: ++n, text: 'x'.repeat(50) });
    expect(journal.size).toBeGreaterThan(1_000);
    journal.rewrite([{ n: 0, text: 'snapshot' }, { n }]);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(statSync(file).size).toBe(journal.size);
    expect(journal.shouldCompact).toBe(false);
    journal.append({ n: n + 1 });
    journal.close();
    expect(Journal.open<Rec>(file).records).toEqual([{ n: 0, text: 'snapshot' }, { n }, { n: n + 1 }]);
  });

  it('keeps the local SQS server’s journal bounded under steady traffic, with the state intact after a restart', async () => {
    const dataDir = folder();
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    let sqs = await startSqs({ dataDir, journal: { compactAtBytes: 64 * 1024 } });
    let client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
    const url = (await client.send(new CreateQueueCommand({ QueueName: 'steady.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    let largest = 0;
    for (let round = 0; round < 40; round++) {
      const entries = Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `r${round}-m${i}-${'p'.repeat(600)}`, MessageGroupId: `g${i}`, MessageDeduplicationId: `r${round}-m${i}` }));
      await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      const got = (await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];
      await client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      largest = Math.max(largest, statSync(join(dataDir, 'journal.ndjson')).size);
    }
    // 400 sends of ~700 bytes each (~400 KiB with their receives and deletes), far more than is kept.
    expect(largest).toBeLessThan(200 * 1024);
    const before = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes;
    client.destroy();
    await sqs.stop();

    sqs = await startSqs({ dataDir });
    client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
    const after = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url.replace(/^http:\/\/[^/]+/, sqs.endpoint), AttributeNames: ['All'] }))).Attributes;
    expect(after).toEqual(before);
    // The deduplication ids of the 400 messages still hold after compaction and restart.
    const resent = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'again', MessageGroupId: 'g0', MessageDeduplicationId: 'r0-m0' }] }));
    expect(resent.Successful).toHaveLength(1);
    const left = Number(after!.ApproximateNumberOfMessages) + Number(after!.ApproximateNumberOfMessagesNotVisible);
    const now = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
    expect(Number(now.ApproximateNumberOfMessages) + Number(now.ApproximateNumberOfMessagesNotVisible)).toBe(left);
    expect(readFileSync(join(dataDir, 'journal.ndjson'), 'utf8').split('\n')[0]).toBe('{"journal":"local-sqs","version":1}');
    client.destroy();
    await sqs.stop();
  });
});
