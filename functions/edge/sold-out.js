// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the flash-sale behaviours.
// Once a sale is sold out or ended, its flag is in the KeyValueStore under `{shopId}/{saleId}`
// (the sale's public view as JSON, status included), and this function answers at the edge:
// POST .../flash-sales/{saleId}/entries with 200 {"status": ...}, GET .../flash-sales/{saleId}
// with the sale's view, both with X-Served-By: edge. Anything else goes on to the API.
// While a live sale's admission is full, its flag is the live view with `entriesClosedUntil`
// (epoch ms): until then only its entries are answered (sold_out).
// The local gateway runs this same file (bin/local/edge-function.ts); keep it to the runtime's
// JavaScript (no Node APIs) and under 10 KB.
/* eslint-disable no-unused-vars -- `handler` is the runtime's entry point by name, and the runtime may not take `catch {}` without a binding. */
import cf from 'cloudfront';

const kvs = cf.kvs();
const SALE_PATH = /^\/v1\/shops\/([^/]+)\/flash-sales\/([^/]+?)(\/entries)?\/?$/;
// The Cache-Control the API sets for the same answers (functions/flash-sales/).
const ENTRY_CACHE = { sold_out: 'public, max-age=30', ended: 'public, max-age=300' };
const SALE_CACHE = { sold_out: 'public, max-age=30, s-maxage=60', ended: 'public, max-age=300' };

async function handler(event) {
  const request = event.request;
  const match = SALE_PATH.exec(request.uri);
  if (match === null) return request;
  const entries = match[3] !== undefined;
  if (request.method !== (entries ? 'POST' : 'GET')) return request;
  let flag;
  try {
    flag = await kvs.get(match[1] + '/' + match[2], { format: 'json' });
  } catch (e) {
    // No flag (get throws for a missing key), or the store failed: the API answers.
    return request;
  }
  let status = flag === null || typeof flag !== 'object' ? undefined : flag.status;
  // A live sale whose admission is full: its entries are sold out until the flag's time.
  if (status === 'live' && entries && typeof flag.entriesClosedUntil === 'number' && flag.entriesClosedUntil > Date.now()) status = 'sold_out';
  if (status !== 'sold_out' && status !== 'ended') return request;
  return {
    statusCode: 200,
    statusDescription: 'OK',
    headers: {
      'content-type': { value: 'application/json' },
      'cache-control': { value: (entries ? ENTRY_CACHE : SALE_CACHE)[status] },
      'x-served-by': { value: 'edge' },
    },
    body: { encoding: 'text', data: JSON.stringify(entries ? { status: status } : flag) },
  };
}
