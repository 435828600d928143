import { config } from '#shared/config';
import { streamTicketContract } from '#shared/flash-sales/flash-sales.schema';
import { verifyStreamToken } from '#shared/flash-sales/stream-token';
import { alreadyEnded, parseLastEventId, ticketStream } from '#shared/flash-sales/ticket-stream';
import { EVENT_STREAM_HEADERS, pathParametersOf, serverSentComment, serverSentEvent, streamingHandler } from '#shared/http/streaming';
import { parseWith } from '#shared/http/validation';
import { now } from '#shared/platform/clock';
import { sales, streamTokenSecret, ticketUpdates } from './flash-sale-wiring';
import { STREAM_PATH } from './flash-sales.routes';

const secret = streamTokenSecret();
/** The client's EventSource waits this long before it reconnects after the stream's end. */
const RECONNECT_MS = 1_000;
/** What a stream leaves of the invocation's time to end cleanly. */
const END_MARGIN_MS = 5_000;

/**
 * GET …/entries/{ticket}/events?token=…: the ticket's server-sent events (api.md, Flash sales).
 * The token (the entry answer's streamUrl) names the ticket and its customer; the stream ends after a
 * final status, or after about FLASH_SALE_STREAM_SECONDS (spread by up to a fifth, so that streams
 * opened together do not all reconnect together), and a reconnection with Last-Event-ID resumes.
 */
export const handler = streamingHandler(streamTicketContract.operationId, async (event, sink, context) => {
  const { shopId, saleId, ticket } = parseWith(streamTicketContract.params, pathParametersOf(event, STREAM_PATH), 'path');
  const claims = verifyStreamToken(event.queryStringParameters?.token, { shopId, saleId, ticket }, await secret(), now());
  const read = () => sales().ticketView(shopId, saleId, ticket, claims.customerId);
  const initial = await read();
  const lastEventId = parseLastEventId(event.headers?.['last-event-id']);
  if (alreadyEnded(initial, lastEventId)) {
    // 204 tells EventSource to stop reconnecting: the final status was delivered.
    sink.open(204, { 'cache-control': 'no-store' });
    sink.end();
    return;
  }
  const settings = config();
  const budgetMs = (context?.getRemainingTimeInMillis() ?? Infinity) - END_MARGIN_MS;
  const maxMs = Math.min(settings.FLASH_SALE_STREAM_SECONDS * 1000 * (0.8 + Math.random() * 0.2), budgetMs);
  sink.open(200, EVENT_STREAM_HEADERS);
  await sink.write(`retry: ${RECONNECT_MS}\n${serverSentComment('ticket events')}`);
  const events = ticketStream({
    read,
    initial,
    subscribe: (changed) => ticketUpdates().subscribe({ shopId, saleId }, ticket, changed),
    lastEventId,
    heartbeatMs: settings.FLASH_SALE_STREAM_HEARTBEAT_MS,
    rereadMs: settings.FLASH_SALE_STREAM_REREAD_MS,
    maxMs,
    signal: sink.signal,
  });
  for await (const next of events) {
    await sink.write(next.kind === 'status' ? serverSentEvent({ event: 'status', id: next.id, data: next.data }) : serverSentComment('heartbeat'));
  }
  sink.end();
});
