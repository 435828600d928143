import {
  ApplicationAutoScalingClient,
  DeleteScheduledActionCommand,
  DescribeScheduledActionsCommand,
  ObjectNotFoundException,
  PutScheduledActionCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { z } from 'zod';
import { ConfigError } from '#shared/config';
import type { CapacityScheduler, WarmLoad, WarmSchedule } from '#shared/flash-sales/warm-capacity';
import { WARM_LOADS } from '#shared/flash-sales/warm-capacity';
import { traceClient } from '#shared/observability';
import { awsClientOptions } from './client-options';

/** One provisioned-concurrency target: a function alias registered with Application Auto Scaling. */
export interface WarmTarget {
  readonly load: WarmLoad;
  /** `function:<function name>:<alias>` */
  readonly resourceId: string;
}

const WarmTargets = z.array(z.object({ load: z.enum(WARM_LOADS as [WarmLoad, ...WarmLoad[]]), resourceId: z.string().regex(/^function:[^:]+:[^:]+$/) }));

/** The targets from FLASH_SALE_WARM_TARGETS (JSON, set by the CDK). */
export function parseWarmTargets(json: string): WarmTarget[] {
  try {
    return WarmTargets.parse(JSON.parse(json));
  } catch (error) {
    throw new ConfigError(`FLASH_SALE_WARM_TARGETS is not a list of {load, resourceId}: ${String(error)}`);
  }
}

/** What the adapter needs of the SDK client (a test passes a fake that records the commands). */
export interface AutoScalingSender {
  send(command: PutScheduledActionCommand | DeleteScheduledActionCommand | DescribeScheduledActionsCommand): Promise<unknown>;
}

const TARGET = { ServiceNamespace: 'lambda', ScalableDimension: 'lambda:function:ProvisionedConcurrency' } as const;
/** Scheduled actions that ran this long ago are deleted by the next release (each target holds at most 200). */
const SWEEP_AFTER_MS = 5 * 60_000;
const PREFIX = 'flash-sale-';
/** How far ahead of now a warm-up that is already due is put. */
const DUE_AHEAD_MS = 30_000;

/** The names of a sale's two actions on each target: a retry replaces them rather than adding more. */
export function actionNames(saleId: string): { readonly warm: string; readonly cool: string } {
  return { warm: `${PREFIX}${saleId}-warm`, cool: `${PREFIX}${saleId}-cool` };
}

/** Application Auto Scaling's one-time schedule, in UTC to the second. */
export function atExpression(at: Date): string {
  return `at(${at.toISOString().slice(0, 19)})`;
}

/** When a one-time action of ours runs (undefined for anything else). */
function runsAt(schedule: string | undefined): number | undefined {
  const match = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(schedule ?? '');
  return match ? Date.parse(`${match[1]}Z`) : undefined;
}

/**
 * Provisioned concurrency around a sale through Application Auto Scaling scheduled actions,
 * two per target: at `warmAt` min and max capacity N (the sale's size for that target's load),
 * at `coolAt` both 0 (Application Auto Scaling scales in to the new max). Min and max move
 * together because a new min alone never scales in, and a new max alone never scales out.
 * A warm-up already due (a sale starting within 5 minutes) is put `DUE_AHEAD_MS` ahead of
 * now, so that the service never reads a one-time action as past.
 */
export function awsCapacityScheduler(client: AutoScalingSender, targets: readonly WarmTarget[], clock: () => Date = () => new Date()): CapacityScheduler {
  return {
    async schedule(warm: WarmSchedule): Promise<void> {
      const names = actionNames(warm.saleId);
      const warmAt = new Date(Math.max(warm.warmAt.getTime(), clock().getTime() + DUE_AHEAD_MS));
      for (const target of targets) {
        const capacity = warm.capacity[target.load];
        await client.send(
          new PutScheduledActionCommand({
            ...TARGET,
            ResourceId: target.resourceId,
            ScheduledActionName: names.warm,
            Schedule: atExpression(warmAt),
            ScalableTargetAction: { MinCapacity: capacity, MaxCapacity: capacity },
          }),
        );
        await client.send(
          new PutScheduledActionCommand({
            ...TARGET,
            ResourceId: target.resourceId,
            ScheduledActionName: names.cool,
            Schedule: atExpression(warm.coolAt),
            ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
          }),
        );
      }
    },

    /**
     * After the close: the sale's warm action goes if it has not run (a sale closed before its
     * start); its cool action stays until it has run (deleting it first would leave the capacity
     * up); every action of ours that ran more than five minutes ago goes, this sale's and
     * earlier ones', so a target never fills its 200 scheduled actions.
     */
    async release(sale, now): Promise<void> {
      const names = actionNames(sale.saleId);
      for (const target of targets) {
        let nextToken: string | undefined;
        const stale: string[] = [];
        do {
          const page = (await client.send(new DescribeScheduledActionsCommand({ ...TARGET, ResourceId: target.resourceId, ...(nextToken ? { NextToken: nextToken } : {}) }))) as {
            ScheduledActions?: Array<{ ScheduledActionName?: string; Schedule?: string }>;
            NextToken?: string;
          };
          for (const action of page.ScheduledActions ?? []) {
            const name = action.ScheduledActionName ?? '';
            if (!name.startsWith(PREFIX)) continue;
            const at = runsAt(action.Schedule);
            const ran = at !== undefined && at + SWEEP_AFTER_MS <= now.getTime();
            const unneeded = name === names.warm && at !== undefined && at > now.getTime();
            if (ran || unneeded) stale.push(name);
          }
          nextToken = page.NextToken;
        } while (nextToken);
        for (const name of stale) {
          try {
            await client.send(new DeleteScheduledActionCommand({ ...TARGET, ResourceId: target.resourceId, ScheduledActionName: name }));
          } catch (error) {
            // Deleted meanwhile (another close job's sweep): what was wanted.
            if (!(error instanceof ObjectNotFoundException)) throw error;
          }
        }
      }
    },
  };
}

/** The process's Application Auto Scaling client (made once, at cold start of a function that schedules). */
export function applicationAutoScaling(): ApplicationAutoScalingClient {
  return traceClient(new ApplicationAutoScalingClient(awsClientOptions({ service: 'Application Auto Scaling', requestTimeoutMs: 3_000, maxAttempts: 3 })));
}
