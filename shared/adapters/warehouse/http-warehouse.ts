import { config, ConfigError, secretSource } from '#shared/config';
import { attemptTimeoutMs, DeadlineExceededError } from '#shared/platform/deadline';
import { fulfilmentKey, WarehouseRejectedError, WarehouseUnavailableError, type Warehouse } from '#shared/fulfillment/warehouse';
import { secrets } from '../aws/secrets';
import { SIGNATURE_HEADER, signWarehouseBody } from './warehouse-signature';

export { SIGNATURE_HEADER, signWarehouseBody, verifyWarehouseSignature } from './warehouse-signature';

/**
 * Warehouse over HTTP: each order is POSTed as JSON to the WMS, with
 * `Idempotency-Key: fulfil:<shopId>:<orderId>` and `X-Signature: sha256=<hex HMAC-SHA256 of
 * the raw body>`. 2xx, or 409 (the WMS has the order already), is success; 408, 429, 5xx,
 * a timeout or a network error is WarehouseUnavailableError (the Lambda retries, then its
 * failure queue keeps the event); any other 4xx is WarehouseRejectedError. The call's
 * timeout is capped by the invocation's time budget (shared/platform/deadline).
 */
export interface HttpWarehouseSettings {
  /** The endpoint orders are POSTed to. */
  readonly url: string;
  /** The HMAC secret shared with the warehouse. */
  readonly secret: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

export function httpWarehouse(settings: HttpWarehouseSettings): Warehouse {
  const ownTimeoutMs = settings.timeoutMs ?? 5_000;
  return {
    async handOver(order) {
      const body = JSON.stringify(order);
      let response: Response;
      let timeoutMs = ownTimeoutMs;
      try {
        // The whole exchange (connecting included) within the attempt's time, capped by the invocation's budget.
        timeoutMs = attemptTimeoutMs('warehouse', ownTimeoutMs);
        response = await fetch(settings.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': fulfilmentKey(order),
            [SIGNATURE_HEADER]: signWarehouseBody(body, settings.secret),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const detail =
          error instanceof DeadlineExceededError
            ? 'no time left to call it'
            : error instanceof Error && error.name === 'TimeoutError'
              ? `no answer within ${timeoutMs} ms`
              : `unreachable: ${describe(error)}`;
        throw new WarehouseUnavailableError(order.orderId, detail, { cause: error });
      }
      const text = await response.text().catch(() => '');
      if (response.ok || response.status === 409) return;
      const detail = text.slice(0, 300);
      if (response.status >= 500 || response.status === 408 || response.status === 429) {
        throw new WarehouseUnavailableError(order.orderId, `HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
      }
      throw new WarehouseRejectedError(order.orderId, response.status, detail);
    },
  };
}

/**
 * The warehouse of this function, from WAREHOUSE_URL and the signing secret (read once, at cold
 * start): WAREHOUSE_SECRET_ARN, or WAREHOUSE_SECRET on the local stage only (secretSource).
 */
export function httpWarehouseFromConfig(): Warehouse {
  const { WAREHOUSE_URL } = config();
  if (!WAREHOUSE_URL) throw new ConfigError('Missing environment variable WAREHOUSE_URL: deploy with -c warehouseUrl=https://<your WMS endpoint>');
  const source = secretSource('WAREHOUSE_SECRET_ARN', (settings) => settings.WAREHOUSE_SECRET);
  if ('value' in source) return httpWarehouse({ url: WAREHOUSE_URL, secret: source.value });
  // In AWS the signing secret lives in Secrets Manager (cached five minutes, so a rotation needs no deploy).
  return {
    async handOver(order) {
      const secret = await secrets().get(source.arn, { maxAge: 300 });
      if (typeof secret !== 'string' || secret === '') throw new ConfigError(`The warehouse secret ${source.arn} is empty.`);
      return httpWarehouse({ url: WAREHOUSE_URL, secret }).handOver(order);
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  return cause ? `${error.message} (${(cause as NodeJS.ErrnoException).code ?? cause.message})` : error.message;
}
