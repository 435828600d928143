/**
 * The local stand-in for the platform's EventBridge bus: an HTTP server speaking enough of
 * EventBridge's JSON 1.1 protocol for the real `@aws-sdk/client-eventbridge` (pointed at it
 * through AWS_ENDPOINT_URL_EVENTBRIDGE), which routes each accepted event to the targets of
 * the rules whose patterns match, as EventBridge does: asynchronously, at least once, with
 * retries, and failed deliveries recorded (the rule's dead-letter queue).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventRule } from '#functions/events';
import type { FunctionSpec } from '#functions/registry';
import { backoffMs } from '#shared/platform/deadline';
import { matchesPattern, validatePattern } from './event-pattern';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalInvoker } from './lambda-context';

export interface LocalEventBus {
  readonly endpoint: string;
  readonly busName: string;
  /** resolves when every delivery started so far has finished (tests) */
  idle(): Promise<void>;
  /** deliveries that failed after all retries (the DLQ) */
  readonly failed: ReadonlyArray<{ ruleId: string; target: string; event: unknown; error: string }>;
  stop(): Promise<void>;
}

/** The envelope EventBridge wraps around every event it delivers. */
export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

type Log = (entry: Record<string, unknown>) => void;

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

const stderrLog: Log = (entry) => process.stderr.write(`${JSON.stringify(entry)}\n`);

export interface DeliveryBackoff {
  /** The ceiling of the first pause; each retry doubles it. @default 250 */
  readonly baseMs?: number;
  /** @default 10000 */
  readonly maxMs?: number;
  readonly random?: () => number;
}

/**
 * The pause before retry number `retry` of a delivery, as EventBridge does (exponential,
 * with jitter; locally in milliseconds rather than minutes): between half and all of
 * base × 2^(retry-1), capped, and never shorter than the Retry-After the failed target
 * asked for (an UnavailableError's `retryAfterSeconds`), so a struggling dependency is
 * not called again before it said it could answer.
 */
export function deliveryRetryDelayMs(retry: number, lastError: unknown, backoff: DeliveryBackoff = {}): number {
  const maxMs = backoff.maxMs ?? 10_000;
  const pause = backoffMs(retry, backoff.baseMs ?? 250, maxMs, backoff.random);
  const hint = (lastError as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof hint === 'number' && hint > 0 ? Math.max(pause, Math.min(maxMs, hint * 1000)) : pause;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** EventBridge's timestamp format: ISO 8601 in UTC, to the second. */
function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function utf8Length(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
}

/** HTTP server on 127.0.0.1 (free port unless given) speaking the EventBridge JSON 1.1 protocol well enough for @aws-sdk/client-eventbridge: PutEvents (validates entries like AWS: Source, DetailType, Detail JSON required, at most 10 entries, EventBusName must be the bus name or its ARN, answers FailedEntryCount and Entries with EventId or ErrorCode/ErrorMessage), DescribeEventBus (Name, Arn), and an error response in the AWS JSON shape for anything else. Each accepted event gets the EventBridge envelope { version: '0', id, 'detail-type', source, account: '000000000000', time, region, resources, detail } and is delivered asynchronously (after the PutEvents response) to every target of every rule whose pattern matches, like AWS: at-least-once, retried with exponential backoff and jitter (opts.retryAttempts default 4, opts.retryBackoff: pauses of 250 ms doubling up to 10 s locally, never shorter than a failed target's retryAfterSeconds), then recorded in `failed` and logged. */
export async function startEventBus(opts: {
  busName: string;
  rules: readonly EventRule[];
  invoke: LocalInvoker;
  port?: number;
  retryAttempts?: number;
  retryBackoff?: DeliveryBackoff;
  log?: Log;
}): Promise<LocalEventBus> {
  const { busName, rules, invoke } = opts;
  const log = opts.log ?? stderrLog;
  const retryAttempts = Math.max(0, opts.retryAttempts ?? 4);
  const busArn = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:event-bus/${busName}`;
  const createdAt = Math.floor(Date.now() / 1000);
  for (const rule of rules) {
    try {
      validatePattern(rule.pattern);
    } catch (error) {
      throw new Error(`Event rule ${rule.id} has an invalid pattern: ${(error as Error).message}`, { cause: error });
    }
  }

  const failed: Array<{ ruleId: string; target: string; event: unknown; error: string }> = [];
  const inFlight = new Set<Promise<void>>();

  const track = (delivery: Promise<void>) => {
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  /** One target of one rule: the first attempt plus `retryAttempts` retries with exponential backoff and jitter. */
  const deliver = async (rule: EventRule, target: FunctionSpec, event: EventBridgeEnvelope): Promise<void> => {
    let lastError: unknown;
    for (let attempt = 0; attempt <= retryAttempts; attempt++) {
      if (attempt > 0) await sleep(deliveryRetryDelayMs(attempt, lastError, opts.retryBackoff));
      try {
        await invoke(target, event);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < retryAttempts) {
          log({ level: 'warn', msg: 'event delivery failed, retrying', ruleId: rule.id, target: target.id, eventId: event.id, attempt: attempt + 1, error: String(error) });
        }
      }
    }
    const message = lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
    failed.push({ ruleId: rule.id, target: target.id, event, error: message });
    log({
      level: 'error',
      msg: 'event delivery failed after all retries (recorded as dead letter)',
      ruleId: rule.id,
      target: target.id,
      eventId: event.id,
      attempts: retryAttempts + 1,
      error: message,
    });
  };

  const route = (event: EventBridgeEnvelope, responded: Promise<void>) => {
    for (const rule of rules) {
      let matched: boolean;
      try {
        matched = matchesPattern(rule.pattern, event);
      } catch (error) {
        log({ level: 'error', msg: 'event pattern failed to evaluate', ruleId: rule.id, error: String(error) });
        continue;
      }
      if (!matched) continue;
      for (const target of rule.targets) {
        track(responded.then(() => deliver(rule, target, event)));
      }
    }
  };

  const checkBus = (name: unknown): string | undefined => {
    const requested = typeof name === 'string' && name !== '' ? name : 'default';
    return requested === busName || requested === busArn ? undefined : requested;
  };

  const putEvents = (input: Record<string, unknown>, responded: Promise<void>) => {
    const entries = input['Entries'];
    if (!Array.isArray(entries)) {
      throw new AwsError('ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`,
      );
    }
    let size = 0;
    for (const entry of entries as Array<Record<string, unknown>>) {
      size += (entry?.['Time'] !== undefined ? 14 : 0) + utf8Length(entry?.['Source']) + utf8Length(entry?.['DetailType']) + utf8Length(entry?.['Detail']);
      if (Array.isArray(entry?.['Resources'])) for (const r of entry['Resources']) size += utf8Length(r);
    }
    if (size > MAX_REQUEST_BYTES) throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');

    const now = new Date();
    const accepted: EventBridgeEnvelope[] = [];
    const results: ResultEntry[] = (entries as Array<Record<string, unknown> | null>).map((raw) => {
      const entry = raw ?? {};
      const invalid = (code: string, message: string): ResultEntry => ({ ErrorCode: code, ErrorMessage: message });
      const source = entry['Source'];
      const detailType = entry['DetailType'];
      const detailText = entry['Detail'];
      if (typeof source !== 'string' || source === '') return invalid('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
      if (typeof detailType !== 'string' || detailType === '') return invalid('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
      if (typeof detailText !== 'string' || detailText === '') return invalid('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
      let detail: unknown;
      try {
        detail = JSON.parse(detailText);
      } catch {
        return invalid('MalformedDetail', 'Detail is malformed.');
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return invalid('MalformedDetail', 'Detail is malformed.');
      const missingBus = checkBus(entry['EventBusName']);
      if (missingBus !== undefined) return invalid('ResourceNotFoundException', `Event bus ${missingBus} does not exist.`);
      if (source.startsWith('aws.')) return invalid('NotAuthorizedForSourceException', 'Not authorized for the source.');
      const resources = entry['Resources'];
      if (resources !== undefined && (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string'))) {
        return invalid('InvalidArgument', 'Parameter Resources is not valid. Reason: Resources must be a list of strings.');
      }
      const time = typeof entry['Time'] === 'number' ? new Date(entry['Time'] * 1000) : now;
      const event: EventBridgeEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': detailType,
        source,
        account: LOCAL_ACCOUNT_ID,
        time: eventTime(Number.isNaN(time.getTime()) ? now : time),
        region: LOCAL_REGION,
        resources: (resources as string[] | undefined) ?? [],
        detail: detail as Record<string, unknown>,
      };
      accepted.push(event);
      return { EventId: event.id };
    });
    for (const event of accepted) route(event, responded);
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  };

  const describeEventBus = (input: Record<string, unknown>) => {
    const missing = checkBus(input['Name']);
    if (missing !== undefined) throw new AwsError('ResourceNotFoundException', `Event bus ${missing} does not exist.`);
    return { Name: busName, Arn: busArn, CreationTime: createdAt, LastModifiedTime: createdAt };
  };

  const testEventPattern = (input: Record<string, unknown>) => {
    try {
      const pattern = JSON.parse(String(input['EventPattern'])) as Parameters<typeof validatePattern>[0];
      const event: unknown = JSON.parse(String(input['Event']));
      validatePattern(pattern);
      return { Result: matchesPattern(pattern, event) };
    } catch (error) {
      throw new AwsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${(error as Error).message}`);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const send = (status: number, body: unknown, errorType?: string) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': JSON_CONTENT_TYPE,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(text);
    };
    const responded = new Promise<void>((resolve) => res.once('close', () => resolve()));
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const target = String(req.headers['x-amz-target'] ?? '');
      const [service, operation] = target.split('.');
      if (req.method !== 'POST' || service !== 'AWSEvents' || !operation) {
        throw new AwsError('UnknownOperationException', `Unknown operation ${target || `${req.method} ${req.url}`}`);
      }
      let input: Record<string, unknown>;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        input = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
      }
      switch (operation) {
        case 'PutEvents':
          return send(200, putEvents(input, responded));
        case 'DescribeEventBus':
          return send(200, describeEventBus(input));
        case 'TestEventPattern':
          return send(200, testEventPattern(input));
        default:
          throw new AwsError('UnknownOperationException', `The local event bus does not implement ${operation}`);
      }
    } catch (error) {
      if (error instanceof AwsError) return send(error.status, { __type: error.type, message: error.message }, error.type);
      log({ level: 'error', msg: 'local event bus request failed', error: String(error) });
      return send(500, { __type: 'InternalException', message: String(error) }, 'InternalException');
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port ?? 0, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  const idle = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    busName,
    idle,
    failed,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await idle();
        server.closeAllConnections();
        await closed;
      })();
      return stopping;
    },
  };
}
