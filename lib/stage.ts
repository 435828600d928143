import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
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
  /** The catalog search domain (see lib/search.ts for the reasoning behind each size). */
  readonly search: {
    readonly dataNodes: number;
    readonly dataNodeType: string;
    /** Zones the data nodes spread over (zone awareness): 2 or 3. */
    readonly zones: 2 | 3;
    /** Dedicated cluster-manager (master) nodes: 0 or 3. */
    readonly masterNodes: 0 | 3;
    readonly masterNodeType?: string;
    readonly volumeGb: number;
  };
  /** CloudFront edge locations: the cheapest class outside production. */
  readonly edgePriceClass: PriceClass;
}

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/** Settings of a stage by name; `prod` is production, every other name is a small stage. */
export function stageSettings(stage: string): StageSettings {
  if (!STAGE_NAME.test(stage)) {
    throw new Error(`Invalid stage "${stage}": use 1-20 lowercase letters, digits or dashes, starting with a letter (e.g. dev, prod, pr-42)`);
  }
  // Functions of the stage `local` sign and verify webhooks with the public local secrets (shared/config.ts, secretSource).
  if (stage === 'local') throw new Error('Invalid stage "local": it is the local runtime\'s, whose secrets are public; deploy under another name (e.g. dev)');
  const production = stage === 'prod';
  return production
    ? {
        stage,
        production,
        natGateways: 3,
        interfaceEndpoints: true,
        redis: { nodeType: 'cache.r7g.large', shards: 2, replicasPerShard: 1 },
        logRetention: RetentionDays.THREE_MONTHS,
        search: { dataNodes: 3, dataNodeType: 'r7g.large.search', zones: 3, masterNodes: 3, masterNodeType: 'm7g.large.search', volumeGb: 50 },
        edgePriceClass: PriceClass.PRICE_CLASS_ALL,
      }
    : {
        stage,
        production,
        natGateways: 1,
        interfaceEndpoints: false,
        redis: { nodeType: 'cache.t4g.small', shards: 1, replicasPerShard: 1 },
        logRetention: RetentionDays.TWO_WEEKS,
        search: { dataNodes: 2, dataNodeType: 't3.small.search', zones: 2, masterNodes: 0, volumeGb: 10 },
        edgePriceClass: PriceClass.PRICE_CLASS_100,
      };
}
