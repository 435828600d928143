import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * What differs between stages (dev, staging, prod, a developer's own stage...). Everything
 * else is the same everywhere, so a stage is a copy of production in miniature, not a
 * different design. Sizes and counts only; names are never set, so stages deploy side by side.
 */
export interface StageSettings {
  readonly stage: string;
  /** Whether this stage holds real customers (termination protection, longer logs, more NAT). */
  readonly production: boolean;
  /** NAT gateways of the VPC: one per AZ in production, one (a single point of egress) elsewhere. */
  readonly natGateways: number;
  /** Interface endpoints for SQS, EventBridge and Secrets Manager (see lib/network.ts for the cost). */
  readonly interfaceEndpoints: boolean;
  readonly redis: {
    readonly nodeType: string;
    readonly shards: number;
    readonly replicasPerShard: number;
  };
  readonly logRetention: RetentionDays;
}

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/** Settings of a stage by name; `prod` is production, every other name is a small stage. */
export function stageSettings(stage: string): StageSettings {
  if (!STAGE_NAME.test(stage)) {
    throw new Error(
      `Invalid stage "${stage}": use 1-20 lowercase letters, digits or dashes, starting with a letter (e.g. dev, prod, pr-42)`,
    );
  }
  const production = stage === 'prod';
  return production
    ? {
        stage,
        production,
        natGateways: 3,
        interfaceEndpoints: true,
        redis: { nodeType: 'cache.r7g.large', shards: 2, replicasPerShard: 1 },
        logRetention: RetentionDays.THREE_MONTHS,
      }
    : {
        stage,
        production,
        natGateways: 1,
        interfaceEndpoints: false,
        redis: { nodeType: 'cache.t4g.small', shards: 1, replicasPerShard: 1 },
        logRetention: RetentionDays.TWO_WEEKS,
      };
}
