import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { openSearchClient } from '#shared/adapters/opensearch/client';
import { ensureIndex } from '#shared/adapters/opensearch/opensearch-search-index';
import { logger } from '#shared/observability';

/**
 * Custom resource of the search domain (lib/search.ts, which deploys it from here), run as the domain's master role:
 * writes the fine-grained access control roles and their mappings to the function roles, then
 * creates the catalog index (mapping from the adapter) unless its alias exists. Everything it
 * writes comes from the resource's properties, so the template says exactly what is granted.
 * It keeps everything on Delete: the domain's own deletion (or retention) decides.
 */
export interface SearchSetupProperties {
  readonly IndexName: string;
  /** Security plugin roles by name (`PUT _plugins/_security/api/roles/<name>`). */
  readonly Roles: Readonly<Record<string, unknown>>;
  /** Role mappings by role name (`PUT _plugins/_security/api/rolesmapping/<name>`). */
  readonly RoleMappings: Readonly<Record<string, { readonly backend_roles: readonly string[] }>>;
}

type Status = 'SUCCESS' | 'FAILED';

export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
  const physicalResourceId = event.RequestType === 'Create' ? `${event.LogicalResourceId}-search-setup` : event.PhysicalResourceId;
  let status: Status = 'SUCCESS';
  let reason: string | undefined;
  try {
    if (event.RequestType !== 'Delete') {
      // Answer CloudFormation before Lambda's timeout, or the stack waits an hour for nothing.
      await withDeadline(apply(event.ResourceProperties as unknown as SearchSetupProperties), context.getRemainingTimeInMillis() - 10_000);
    }
  } catch (error) {
    status = 'FAILED';
    reason = describe(error);
    logger.error('search setup failed', { requestType: event.RequestType, error });
  }
  await respond(event, physicalResourceId, status, reason);
}

async function apply(props: SearchSetupProperties): Promise<void> {
  const client = openSearchClient();
  for (const [name, body] of Object.entries(props.Roles)) {
    await client.transport.request({ method: 'PUT', path: `/_plugins/_security/api/roles/${encodeURIComponent(name)}`, body: body as object });
  }
  for (const [name, body] of Object.entries(props.RoleMappings)) {
    await client.transport.request({ method: 'PUT', path: `/_plugins/_security/api/rolesmapping/${encodeURIComponent(name)}`, body });
  }
  await ensureIndex(client, props.IndexName);
  logger.info('search setup applied', { roles: Object.keys(props.Roles), index: props.IndexName });
}

/** The error for CloudFormation's events: OpenSearch's status and answer, which name the refused permission. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const meta = (error as Error & { meta?: { statusCode?: number; body?: unknown } }).meta;
  if (meta?.statusCode === undefined) return error.message;
  return `${error.message}: OpenSearch answered ${meta.statusCode} ${JSON.stringify(meta.body ?? '').slice(0, 500)}`;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`search setup did not finish within ${Math.round(ms / 1000)} s`)), Math.max(ms, 1_000));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The custom resource protocol: a PUT of the outcome to the pre-signed S3 URL of the event. */
async function respond(event: CloudFormationCustomResourceEvent, physicalResourceId: string, status: Status, reason?: string): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: (reason ?? 'See the CloudWatch logs of the search setup function').slice(0, 1000),
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const response = await fetch(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body });
  if (!response.ok) throw new Error(`CloudFormation refused the custom resource response: ${response.status}`);
}
