import { describe, expect, it } from 'vitest';
import { DEDUPLICATION_WINDOW_MS, md5OfMessageAttributes, queueArn, SqsEngine, type SqsRecord } from '#bin/local/sqs-engine';

/** An engine on a clock the test moves, keeping every record it would journal. */
function engine(start = 1_700_000_000_000) {
  let now = start;
  const records: SqsRecord[] = [];
  const sqs = new SqsEngine({ clock: () => now, store: { append: (r) => records.push(structuredClone(r)) } });
  return {
    sqs,
    records,
    advance: (ms: number) => (now += ms),
    now: () => now,
    /** A new engine rebuilt from the records, on the same clock. */
    replayed: () => {
      const copy = new SqsEngine({ clock: () => now });
      for (const r of records) copy.apply(structuredClone(r));
      return copy;
    },
  };
}

function fifoQueues(sqs: SqsEngine, attributes: Record<string, string> = {}, maxReceiveCount = 3) {
  sqs.createQueue('q-dlq.fifo', { FifoQueue: 'true' });
  sqs.createQueue('q.fifo', {
    FifoQueue: 'true',
    VisibilityTimeout: '30',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('q-dlq.fifo'), maxReceiveCount }),
    ...attributes,
  });
}

const bodies = (got: ReturnType<SqsEngine['receive']>) => got.map((r) => r.message.body);
const sendOk = (sqs: SqsEngine, queue: string, entries: Parameters<SqsEngine['send']>[1]) =>
  sqs.send(queue, entries).map((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });

describe('local SQS engine', () => {
  it('hides a received message for its visibility timeout, then delivers it again with a higher receive count', () => {
    const { sqs, advance } = engine();
    sqs.createQueue('std', { VisibilityTimeout: '10' });
    sendOk(sqs, 'std', [{ body: 'a' }]);
    const [first] = sqs.receive('std');
    expect(first!.message.receiveCount).toBe(1);
    expect(sqs.receive('std')).toEqual([]);
    expect(sqs.getAttributes('std')).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    advance(10_000);
    const [again] = sqs.receive('std');
    expect([again!.message.body, again!.message.receiveCount, again!.receipt === first!.receipt]).toEqual(['a', 2, false]);
    // The first receiver's handle no longer deletes it; the latest does.
    sqs.delete('std', [first!.receipt]);
    expect(sqs.getAttributes('std').ApproximateNumberOfMessagesNotVisible).toBe('1');
    sqs.delete('std', [again!.receipt]);
    expect(sqs.getAttributes('std')).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('FIFO: blocks a group while one of its messages is in flight, keeps each group in order, lets other groups through', () => {
    const { sqs, advance } = engine();
    fifoQueues(sqs);
    sendOk(sqs, 'q.fifo', [
      { body: 'a1', groupId: 'a', dedupId: 'a1' },
      { body: 'b1', groupId: 'b', dedupId: 'b1' },
      { body: 'a2', groupId: 'a', dedupId: 'a2' },
      { body: 'b2', groupId: 'b', dedupId: 'b2' },
    ]);
    const first = sqs.receive('q.fifo', { max: 1 });
    expect(bodies(first)).toEqual(['a1']);
    // Group a is in flight: only group b comes, in order.
    const second = sqs.receive('q.fifo', { max: 10 });
    expect(bodies(second)).toEqual(['b1', 'b2']);
    expect(sqs.receive('q.fifo', { max: 10 })).toEqual([]);
    // a1 fails (its visibility runs out): it comes back before a2.
    advance(30_000);
    sqs.delete(
      'q.fifo',
      second.map((r) => r.receipt),
    );
    expect(bodies(sqs.receive('q.fifo', { max: 1 }))).toEqual(['a1']);
    advance(30_000);
    const retried = sqs.receive('q.fifo', { max: 10 });
    expect(bodies(retried)).toEqual(['a1', 'a2']);
    expect(retried[0]!.message.receiveCount).toBe(3);
  });

  it('FIFO: a deduplication id is kept for five minutes, also after its message was deleted', () => {
    const { sqs, advance } = engine();
    fifoQueues(sqs);
    const [sent] = sendOk(sqs, 'q.fifo', [{ body: 'x', groupId: 'g', dedupId: 'ticket-1' }]);
    const [duplicate] = sendOk(sqs, 'q.fifo', [{ body: 'x again', groupId: 'g', dedupId: 'ticket-1' }]);
    expect(duplicate!.messageId).toBe(sent!.messageId);
    expect(duplicate!.seq).toBe(sent!.seq);
    const [got] = sqs.receive('q.fifo', { max: 10 });
    expect(got!.message.body).toBe('x');
    sqs.delete('q.fifo', [got!.receipt]);
    advance(DEDUPLICATION_WINDOW_MS - 1);
    sendOk(sqs, 'q.fifo', [{ body: 'x', groupId: 'g', dedupId: 'ticket-1' }]);
    expect(sqs.receive('q.fifo', { max: 10 })).toEqual([]);
    advance(1);
    const [fresh] = sendOk(sqs, 'q.fifo', [{ body: 'x', groupId: 'g', dedupId: 'ticket-1' }]);
    expect(fresh!.messageId).not.toBe(sent!.messageId);
    expect(bodies(sqs.receive('q.fifo', { max: 10 }))).toEqual(['x']);
  });

  it('FIFO: content-based deduplication, and deduplication per message group when the scope says so', () => {
    const { sqs } = engine();
    sqs.createQueue('content.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    sendOk(sqs, 'content.fifo', [
      { body: 'same', groupId: 'g' },
      { body: 'same', groupId: 'h' },
      { body: 'other', groupId: 'g' },
    ]);
    expect(sqs.getAttributes('content.fifo').ApproximateNumberOfMessages).toBe('2');

    sqs.createQueue('scoped.fifo', { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    sendOk(sqs, 'scoped.fifo', [
      { body: '1', groupId: 'g', dedupId: 'd' },
      { body: '2', groupId: 'h', dedupId: 'd' },
      { body: '3', groupId: 'g', dedupId: 'd' },
    ]);
    expect(sqs.getAttributes('scoped.fifo').ApproximateNumberOfMessages).toBe('2');
  });

  it('moves a message received maxReceiveCount times to the dead-letter queue, which unblocks its group', () => {
    const { sqs } = engine();
    fifoQueues(sqs, {}, 2);
    sendOk(sqs, 'q.fifo', [
      { body: 'poison', groupId: 'g', dedupId: '1' },
      { body: 'next', groupId: 'g', dedupId: '2' },
    ]);
    expect(bodies(sqs.receive('q.fifo', { max: 1, visibilityTimeoutSeconds: 0 }))).toEqual(['poison']);
    expect(bodies(sqs.receive('q.fifo', { max: 1, visibilityTimeoutSeconds: 0 }))).toEqual(['poison']);
    expect(bodies(sqs.receive('q.fifo', { max: 1 }))).toEqual(['next']);
    const [dead] = sqs.receive('q-dlq.fifo', { max: 10 });
    expect(dead!.message).toMatchObject({ body: 'poison', group: 'g', dedupId: '1', deadLetterSourceArn: queueArn('q.fifo'), receiveCount: 1 });
  });

  it('purges the messages but keeps their deduplication ids', () => {
    const { sqs } = engine();
    fifoQueues(sqs);
    sendOk(sqs, 'q.fifo', [{ body: 'a', groupId: 'g', dedupId: 'a' }]);
    sqs.purge('q.fifo');
    expect(sqs.getAttributes('q.fifo').ApproximateNumberOfMessages).toBe('0');
    sendOk(sqs, 'q.fifo', [{ body: 'a', groupId: 'g', dedupId: 'a' }]);
    expect(sqs.getAttributes('q.fifo').ApproximateNumberOfMessages).toBe('0');
  });

  it('changes visibility only with the latest handle of a message in flight', () => {
    const { sqs, advance } = engine();
    sqs.createQueue('std', { VisibilityTimeout: '5' });
    sendOk(sqs, 'std', [{ body: 'a' }]);
    const [first] = sqs.receive('std');
    expect(sqs.changeVisibility('std', [{ receipt: first!.receipt, timeoutSeconds: 60 }])[0]!.ok).toBe(true);
    advance(59_000);
    expect(sqs.receive('std')).toEqual([]);
    advance(1_000);
    expect(sqs.changeVisibility('std', [{ receipt: first!.receipt, timeoutSeconds: 60 }])[0]).toMatchObject({ ok: false, error: { code: 'MessageNotInflight' } });
    sqs.receive('std');
    expect(sqs.changeVisibility('std', [{ receipt: first!.receipt, timeoutSeconds: 60 }])[0]).toMatchObject({ ok: false, error: { code: 'InvalidParameterValue' } });
    expect(sqs.delete('std', ['not-a-handle'])[0]).toMatchObject({ ok: false, error: { code: 'ReceiptHandleIsInvalid' } });
  });

  it('counts delayed, visible and in-flight messages', () => {
    const { sqs, advance } = engine();
    sqs.createQueue('std');
    sendOk(sqs, 'std', [{ body: 'taken' }, { body: 'later', delaySeconds: 10 }, { body: 'now' }]);
    expect(bodies(sqs.receive('std'))).toEqual(['taken']);
    expect(sqs.getAttributes('std', ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'])).toEqual({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
    });
    advance(10_000);
    expect(bodies(sqs.receive('std', { max: 10 }))).toEqual(['later', 'now']);
  });

  it('refuses what SQS refuses, and changes nothing', () => {
    const { sqs, records } = engine();
    fifoQueues(sqs);
    const before = records.length;
    expect(sqs.send('q.fifo', [{ body: 'x', dedupId: 'd' }])[0]).toMatchObject({ ok: false, error: { code: 'MissingParameter' } });
    expect(sqs.send('q.fifo', [{ body: 'x', groupId: 'g' }])[0]).toMatchObject({ ok: false, error: { code: 'InvalidParameterValue' } });
    expect(sqs.send('q.fifo', [{ body: 'bad \u0000', groupId: 'g', dedupId: 'z' }])[0]).toMatchObject({ ok: false, error: { code: 'InvalidMessageContents' } });
    expect(sqs.send('q.fifo', [{ body: 'x'.repeat(262_145), groupId: 'g', dedupId: 'y' }])[0]).toMatchObject({ ok: false, error: { code: 'InvalidParameterValue' } });
    expect(() => sqs.createQueue('q.fifo', { FifoQueue: 'true', VisibilityTimeout: '31' })).toThrow(expect.objectContaining({ code: 'QueueNameExists' }));
    expect(() => sqs.createQueue('plain.fifo')).toThrow(expect.objectContaining({ code: 'InvalidParameterValue' }));
    expect(() => sqs.receive('missing')).toThrow(expect.objectContaining({ code: 'QueueDoesNotExist' }));
    expect(() => sqs.setAttributes('q.fifo', { VisibilityTimeout: '-1' })).toThrow(expect.objectContaining({ code: 'InvalidAttributeValue' }));
    expect(records.length).toBe(before);
  });

  it('computes the MD5 of message attributes as SQS does', () => {
    // Reference value from the aws-md5-of-message-attributes package for the same attributes.
    expect(
      md5OfMessageAttributes({
        shopId: { DataType: 'String', StringValue: 'demo' },
        n: { DataType: 'Number', StringValue: '42' },
        bin: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
      }),
    ).toBe('dc9d1dcfe176545c5299dca1ba22d156');
  });

  it('rebuilds the same state from its records, and from a snapshot of itself', () => {
    const { sqs, replayed, advance, now } = engine();
    fifoQueues(sqs);
    sendOk(sqs, 'q.fifo', [
      { body: 'a1', groupId: 'a', dedupId: 'a1' },
      { body: 'a2', groupId: 'a', dedupId: 'a2' },
      { body: 'b1', groupId: 'b', dedupId: 'b1' },
    ]);
    const [a1] = sqs.receive('q.fifo', { max: 1 });
    const [b1] = sqs.receive('q.fifo', { max: 1 });
    sqs.delete('q.fifo', [b1!.receipt]);
    advance(1_000);

    const fromRecords = replayed();
    const fromSnapshot = new SqsEngine({ clock: now });
    for (const r of sqs.snapshot()) fromSnapshot.apply(structuredClone(r));
    for (const copy of [fromRecords, fromSnapshot]) {
      expect(copy.getAttributes('q.fifo')).toEqual(sqs.getAttributes('q.fifo'));
      // a1 is still in flight in the copy: group a stays blocked, and its handle still deletes it.
      expect(copy.receive('q.fifo', { max: 10 })).toEqual([]);
      // The deduplication id of the deleted b1 still holds.
      expect(copy.send('q.fifo', [{ body: 'b1', groupId: 'b', dedupId: 'b1' }])[0]).toMatchObject({ ok: true, value: { messageId: b1!.message.id } });
      copy.delete('q.fifo', [a1!.receipt]);
      expect(bodies(copy.receive('q.fifo', { max: 10 }))).toEqual(['a2']);
    }
  });

  it('makes what was in flight visible again at once when asked (after a crash)', () => {
    const { sqs, replayed } = engine();
    fifoQueues(sqs);
    sendOk(sqs, 'q.fifo', [
      { body: 'a1', groupId: 'a', dedupId: 'a1' },
      { body: 'a2', groupId: 'a', dedupId: 'a2' },
    ]);
    sqs.receive('q.fifo', { max: 1 });
    const restarted = replayed();
    expect(restarted.releaseInFlight()).toBe(1);
    const again = restarted.receive('q.fifo', { max: 10 });
    expect(bodies(again)).toEqual(['a1', 'a2']);
    expect(again[0]!.message.receiveCount).toBe(2);
  });
});
