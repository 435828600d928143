import type { EdgeFlags } from '#shared/flash-sales/flash-sale-ports';

/**
 * Sale flags in the local platform's key-value store (bin/local/edge-store.ts), which the
 * local gateway's edge function reads: `PUT {url}/keys/{key}` with the value as the body.
 */
export function localEdgeFlags(url: string, timeoutMs = 2_000): EdgeFlags {
  return {
    async flag(shopId, saleId, view) {
      const response = await fetch(`${url}/keys/${encodeURIComponent(`${shopId}/${saleId}`)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(view),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`local edge store answered ${response.status}`);
    },
  };
}
