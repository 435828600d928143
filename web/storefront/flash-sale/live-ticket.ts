import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describeProblem, problemOf } from '../../api-client/client';
import { isFinal, saveTicket, type StoredTicket, type Ticket } from './ticket-store';

export type Channel = 'stream' | 'polling' | 'done';

/** How many stream failures in a row (without an event between) before falling back to polling. */
const STREAM_FAILURES_BEFORE_POLLING = 3;
const DEFAULT_POLL_MS = 2_000;
const MAX_POLL_MS = 10_000;

/**
 * A ticket's live state: the ticket's server-sent events (`EventSource` on `streamUrl`, which
 * reconnects with `Last-Event-ID` by itself) while they work, else polling `GET …/entries/{ticket}`
 * after `pollAfterMs` (no EventSource, no stream URL, a stream token expired, or the stream failing
 * three times in a row). Stops at a final status. Every state seen is stored for a reload.
 */
export function useLiveTicket(shopId: string, saleId: string, sub: string, stored: StoredTicket | undefined) {
  const [ticket, setTicket] = useState<Ticket | undefined>(stored?.last);
  const [channel, setChannel] = useState<Channel>('polling');
  const [notice, setNotice] = useState<string>();
  const storedRef = useRef(stored);
  storedRef.current = stored;

  useEffect(() => {
    if (!stored) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let source: EventSource | undefined;

    const seen = (next: Ticket) => {
      if (stopped) return;
      setTicket(next);
      setNotice(undefined);
      saveTicket(shopId, saleId, sub, { ...storedRef.current!, last: next });
      if (isFinal(next.status)) finish();
    };
    const finish = () => {
      stopped = true;
      source?.close();
      if (timer) clearTimeout(timer);
      setChannel('done');
    };

    const poll = async () => {
      if (stopped) return;
      let wait = DEFAULT_POLL_MS;
      try {
        const { data, error, response } = await api.GET('/v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}', { params: { path: { shopId, saleId, ticket: stored.ticket } } });
        if (data) {
          seen(data);
          wait = data.pollAfterMs ?? DEFAULT_POLL_MS;
        } else {
          const problem = problemOf(error, response);
          if (problem.status === 404) {
            setNotice('This ticket is not yours or no longer exists.');
            return finish();
          }
          setNotice(`${describeProblem(problem)} Trying again…`);
          wait = (problem.retryAfter ?? 2) * 1000;
        }
      } catch {
        setNotice('The shop could not be reached. Trying again…');
      }
      if (!stopped) timer = setTimeout(() => void poll(), Math.min(wait, MAX_POLL_MS));
    };

    const startPolling = (afterMs: number) => {
      source?.close();
      source = undefined;
      setChannel('polling');
      timer = setTimeout(() => void poll(), afterMs);
    };

    const streamUsable = stored.streamUrl && typeof EventSource === 'function' && (!stored.ticketEndsAt || Date.parse(stored.ticketEndsAt) > Date.now());
    if (stored.last && isFinal(stored.last.status)) {
      // Decided before the reload: read it once more (a hold may have become an order or expired since).
      void poll().then(finish);
    } else if (streamUsable) {
      setChannel('stream');
      let failures = 0;
      source = new EventSource(stored.streamUrl!);
      source.addEventListener('status', (event) => {
        failures = 0;
        seen(JSON.parse((event as MessageEvent<string>).data) as Ticket);
      });
      source.onopen = () => {
        failures = 0; // a stream that ends after its time and reconnects is not failing
      };
      source.onerror = () => {
        if (stopped) return;
        failures += 1;
        // CLOSED: the server refused the stream (an expired or refused token, or a 204 after the final status).
        if (source?.readyState === EventSource.CLOSED || failures >= STREAM_FAILURES_BEFORE_POLLING) startPolling(0);
      };
    } else {
      startPolling(stored.last?.pollAfterMs ?? 0);
    }
    return () => {
      stopped = true;
      source?.close();
      if (timer) clearTimeout(timer);
    };
  }, [shopId, saleId, sub, stored?.ticket, stored?.streamUrl]);

  return { ticket, channel, notice };
}
