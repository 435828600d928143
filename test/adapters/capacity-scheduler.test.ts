import { DeleteScheduledActionCommand, DescribeScheduledActionsCommand, ObjectNotFoundException, PutScheduledActionCommand } from '@aws-sdk/client-application-auto-scaling';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { actionNames, atExpression, awsCapacityScheduler, parseWarmTargets, type AutoScalingSender, type WarmTarget } from '#shared/adapters/aws/capacity-scheduler';
import { localCapacityScheduler, localWarmSchedules, setLocalWarmUp } from '#shared/adapters/local/capacity-scheduler';
import { ConfigError } from '#shared/config';
import type { WarmSchedule } from '#shared/flash-sales/warm-capacity';

/**
 * The capacity schedulers. Application Auto Scaling has no local engine, so its adapter is
 * checked against a fake client that records the commands and keeps the scheduled actions
 * per target as the service would; the local adapter is run with real timers.
 */
const TARGETS: WarmTarget[] = [
  { load: 'entries', resourceId: 'function:commerce-enter:live' },
  { load: 'ticketPolls', resourceId: 'function:commerce-ticket:live' },
  { load: 'ticketDecisions', resourceId: 'function:commerce-worker:live' },
];
const WARM: WarmSchedule = {
  shopId: 'shop-1',
  saleId: 'sale_01',
  warmAt: new Date('2026-12-24T11:55:00.000Z'),
  coolAt: new Date('2026-12-24T13:00:00.000Z'),
  capacity: { entries: 90, ticketPolls: 48, ticketDecisions: 16 },
};
/** The time of creation in these tests: before every warm-up, so none is moved ahead. */
const BEFORE = () => new Date('2026-12-22T09:00:00.000Z');
type Command = PutScheduledActionCommand | DeleteScheduledActionCommand | DescribeScheduledActionsCommand;

/** Scheduled actions by target, as Application Auto Scaling keeps them (Put replaces by name). */
function fakeAutoScaling(pageSize = 50) {
  const actions = new Map<string, Map<string, { Schedule: string; MinCapacity?: number; MaxCapacity?: number }>>();
  const sent: Command[] = [];
  const client: AutoScalingSender = {
    send: vi.fn(async (command: Command) => {
      sent.push(command);
      const input = command.input;
      expect(input).toMatchObject({ ServiceNamespace: 'lambda', ScalableDimension: 'lambda:function:ProvisionedConcurrency' });
      const of = actions.get(input.ResourceId!) ?? new Map();
      actions.set(input.ResourceId!, of);
      if (command instanceof PutScheduledActionCommand) {
        of.set(command.input.ScheduledActionName, { Schedule: command.input.Schedule!, ...command.input.ScalableTargetAction });
        return {};
      }
      if (command instanceof DeleteScheduledActionCommand) {
        if (!of.delete(command.input.ScheduledActionName)) throw new ObjectNotFoundException({ message: 'No scheduled action found', $metadata: {} });
        return {};
      }
      const all = [...of.entries()].map(([ScheduledActionName, a]) => ({ ScheduledActionName, Schedule: a.Schedule }));
      const start = Number(command.input.NextToken ?? 0);
      const page = all.slice(start, start + pageSize);
      return { ScheduledActions: page, ...(start + pageSize < all.length ? { NextToken: String(start + pageSize) } : {}) };
    }),
  };
  return { client, sent, actions };
}

describe('Application Auto Scaling scheduler', () => {
  it('puts two actions per target: min and max N at warmAt, both 0 at coolAt, named from the sale', async () => {
    const aas = fakeAutoScaling();
    await awsCapacityScheduler(aas.client, TARGETS, BEFORE).schedule(WARM);
    expect(aas.sent.map((c) => c.input)).toEqual(
      TARGETS.flatMap((t) => [
        {
          ServiceNamespace: 'lambda',
          ScalableDimension: 'lambda:function:ProvisionedConcurrency',
          ResourceId: t.resourceId,
          ScheduledActionName: 'flash-sale-sale_01-warm',
          Schedule: 'at(2026-12-24T11:55:00)',
          ScalableTargetAction: { MinCapacity: WARM.capacity[t.load], MaxCapacity: WARM.capacity[t.load] },
        },
        {
          ServiceNamespace: 'lambda',
          ScalableDimension: 'lambda:function:ProvisionedConcurrency',
          ResourceId: t.resourceId,
          ScheduledActionName: 'flash-sale-sale_01-cool',
          Schedule: 'at(2026-12-24T13:00:00)',
          ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
        },
      ]),
    );
  });

  it('puts a warm-up already due 30 s ahead, never in the past', async () => {
    const aas = fakeAutoScaling();
    await awsCapacityScheduler(aas.client, TARGETS.slice(0, 1), () => new Date('2026-12-24T11:58:00.000Z')).schedule({ ...WARM, warmAt: new Date('2026-12-24T11:58:00.000Z') });
    expect(aas.sent[0]!.input).toMatchObject({ ScheduledActionName: 'flash-sale-sale_01-warm', Schedule: 'at(2026-12-24T11:58:30)' });
  });

  it('is idempotent: a retry replaces the same two actions', async () => {
    const aas = fakeAutoScaling();
    const scheduler = awsCapacityScheduler(aas.client, TARGETS, BEFORE);
    await scheduler.schedule(WARM);
    await scheduler.schedule({ ...WARM, capacity: { entries: 10, ticketPolls: 5, ticketDecisions: 2 } });
    for (const t of TARGETS) expect([...aas.actions.get(t.resourceId)!.keys()]).toEqual(['flash-sale-sale_01-warm', 'flash-sale-sale_01-cool']);
    expect(aas.actions.get(TARGETS[0]!.resourceId)!.get('flash-sale-sale_01-warm')).toMatchObject({ MinCapacity: 10, MaxCapacity: 10 });
  });

  it('on release keeps the cool action until it has run, and removes every action of ours that ran over 5 minutes ago', async () => {
    const aas = fakeAutoScaling(2);
    const scheduler = awsCapacityScheduler(aas.client, TARGETS, BEFORE);
    await scheduler.schedule({ ...WARM, saleId: 'sale_00', warmAt: new Date('2026-12-23T11:55:00Z'), coolAt: new Date('2026-12-23T13:00:00Z') });
    await scheduler.schedule(WARM);
    aas.actions.get(TARGETS[0]!.resourceId)!.set('someone-elses', { Schedule: 'at(2020-01-01T00:00:00)' });
    // The close job, a minute after the end: this sale's cool action may not have run yet.
    await scheduler.release(WARM, new Date('2026-12-24T13:01:00Z'));
    for (const t of TARGETS) expect([...aas.actions.get(t.resourceId)!.keys()].filter((n) => n.startsWith('flash-sale-'))).toEqual(['flash-sale-sale_01-cool']);
    expect(aas.actions.get(TARGETS[0]!.resourceId)!.has('someone-elses')).toBe(true);
    // The next sale's release sweeps it.
    await scheduler.release({ ...WARM, saleId: 'sale_02' }, new Date('2026-12-25T00:00:00Z'));
    for (const t of TARGETS) expect([...aas.actions.get(t.resourceId)!.keys()].filter((n) => n.startsWith('flash-sale-'))).toEqual([]);
  });

  it('on release of a sale closed before its warm-up, removes the warm action', async () => {
    const aas = fakeAutoScaling();
    const scheduler = awsCapacityScheduler(aas.client, TARGETS, BEFORE);
    await scheduler.schedule(WARM);
    await scheduler.release(WARM, new Date('2026-12-24T10:00:00Z'));
    for (const t of TARGETS) expect([...aas.actions.get(t.resourceId)!.keys()]).toEqual(['flash-sale-sale_01-cool']);
  });

  it('takes an action deleted meanwhile as deleted, and lets any other error through', async () => {
    const aas = fakeAutoScaling();
    const scheduler = awsCapacityScheduler(aas.client, TARGETS.slice(0, 1), BEFORE);
    await scheduler.schedule(WARM);
    const send = aas.client.send.bind(aas.client);
    let failWith: Error | undefined = new ObjectNotFoundException({ message: 'gone', $metadata: {} });
    aas.client.send = async (command) => {
      if (command instanceof DeleteScheduledActionCommand && failWith) throw failWith;
      return send(command);
    };
    await expect(scheduler.release(WARM, new Date('2026-12-25T00:00:00Z'))).resolves.toBeUndefined();
    failWith = new Error('AccessDeniedException');
    await expect(scheduler.release(WARM, new Date('2026-12-25T00:00:00Z'))).rejects.toThrow('AccessDeniedException');
  });

  it('names actions and times as the service wants them', () => {
    expect(actionNames('sale_x')).toEqual({ warm: 'flash-sale-sale_x-warm', cool: 'flash-sale-sale_x-cool' });
    expect(atExpression(new Date('2026-01-02T03:04:05.678Z'))).toBe('at(2026-01-02T03:04:05)');
  });

  it('reads its targets from the environment, refusing a malformed list', () => {
    expect(parseWarmTargets(JSON.stringify(TARGETS))).toEqual(TARGETS);
    expect(() => parseWarmTargets('[{"load":"entries","resourceId":"function:x"}]')).toThrow(ConfigError);
    expect(() => parseWarmTargets('[{"load":"streams","resourceId":"function:x:live"}]')).toThrow(ConfigError);
    expect(() => parseWarmTargets('not json')).toThrow(ConfigError);
  });
});

describe('local scheduler', () => {
  afterEach(() => setLocalWarmUp(undefined));

  it('runs the warm-up at warmAt and records it; a release before then cancels it', async () => {
    const warmUp = vi.fn(async () => {});
    setLocalWarmUp(warmUp);
    const now = new Date();
    const scheduler = localCapacityScheduler(
      () => new Date(),
      () => {},
    );
    await scheduler.schedule({ ...WARM, warmAt: now, coolAt: new Date(now.getTime() + 60_000) });
    await scheduler.schedule({ ...WARM, saleId: 'sale_later', warmAt: new Date(now.getTime() + 60_000), coolAt: new Date(now.getTime() + 120_000) });
    await vi.waitFor(() => expect(localWarmSchedules().find((s) => s.saleId === 'sale_01')?.warmedAt).toBeInstanceOf(Date));
    expect(warmUp).toHaveBeenCalledTimes(1);
    const later = localWarmSchedules().find((s) => s.saleId === 'sale_later');
    expect(later?.capacity).toEqual(WARM.capacity);
    expect(later?.warmedAt).toBeUndefined();
    await scheduler.release({ shopId: 'shop-1', saleId: 'sale_later' }, new Date());
    expect(localWarmSchedules().map((s) => s.saleId)).toEqual(['sale_01']);
  });

  it('logs a failed warm-up and leaves the schedule unwarmed', async () => {
    setLocalWarmUp(async () => Promise.reject(new Error('import failed')));
    const log = vi.fn();
    await localCapacityScheduler(() => new Date(), log).schedule({ ...WARM, warmAt: new Date() });
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith('flash sale warm-up failed', { shopId: 'shop-1', saleId: 'sale_01', error: 'Error: import failed' }));
    expect(localWarmSchedules()[0]?.warmedAt).toBeUndefined();
  });
});
