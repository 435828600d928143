import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, describeProblem, problemOf, type components } from '../../api-client/client';
import { currentSession, onSessionChange, type Session, type WebConfig } from '../../api-client/session';
import { Countdown, formatMoney, useNow } from '../flash-sale/countdown';
import { useLiveTicket } from '../flash-sale/live-ticket';
import { loadTicket, saveTicket, type StoredTicket, type Ticket } from '../flash-sale/ticket-store';

type Sale = components['schemas']['FlashSale'];
type Variant = components['schemas']['VariantView'];

/**
 * The flash sale's waiting room: the product and the countdown to the start; once live, "Enter the
 * sale" (signed in), then the ticket and its position, live over the ticket's server-sent events
 * (polling as the fallback); a win leads to checkout with the hold before it expires; a sale over
 * or sold out (also the edge's `sold_out` answer to an entry) shows the sold-out page. The ticket
 * is kept in localStorage: a reload resumes it.
 */
export function FlashSale({ config, saleId }: { config: WebConfig; saleId: string }) {
  const { shopId } = config;
  const [sale, setSale] = useState<Sale>();
  const [variant, setVariant] = useState<Variant>();
  const [failure, setFailure] = useState<string>();
  const [session, setSession] = useState<Session | undefined>(currentSession());
  const [stored, setStored] = useState<StoredTicket | undefined>(() => (session ? loadTicket(shopId, saleId, session.sub) : undefined));
  /** The entry was answered sold out (by the API or the CDN edge), or `ended`. */
  const [soldOut, setSoldOut] = useState(false);

  useEffect(() => onSessionChange(setSession), []);
  useEffect(() => setStored(session ? loadTicket(shopId, saleId, session.sub) : undefined), [session?.sub, shopId, saleId]);

  const readSale = async () => {
    const { data, error, response } = await api.GET('/v1/shops/{shopId}/flash-sales/{saleId}', { params: { path: { shopId, saleId } } });
    if (!data) {
      const problem = problemOf(error, response);
      setFailure(problem.status === 404 ? 'This flash sale does not exist.' : describeProblem(problem));
      return;
    }
    setFailure(undefined);
    setSale(data);
  };
  useEffect(() => {
    readSale().catch(() => setFailure('The shop could not be reached. Reload to try again.'));
  }, [shopId, saleId]);
  useEffect(() => {
    if (!sale) return;
    api
      .GET('/v1/shops/{shopId}/variants/{sku}', { params: { path: { shopId, sku: sale.sku } } })
      .then(({ data }) => data && setVariant(data))
      .catch(() => undefined); // the sale is still shown by its SKU
  }, [sale?.sku]);

  if (failure && !sale) return <Page title="Flash sale">{<p role="alert">{failure}</p>}</Page>;
  if (!sale) return <p aria-busy="true">Loading the sale…</p>;

  const title = variant?.title ?? sale.sku;
  const over = soldOut || sale.status === 'sold_out' || sale.status === 'ended';
  return (
    <Page title={title}>
      <Product sale={sale} variant={variant} />
      {failure && <p role="alert">{failure}</p>}
      {session && stored ? (
        <TicketView shopId={shopId} sale={sale} sub={session.sub} stored={stored} />
      ) : over ? (
        <SoldOut sale={sale} />
      ) : sale.status === 'upcoming' ? (
        <section aria-labelledby="starts">
          <h2 id="starts">Starts {new Date(sale.startsAt).toLocaleString()}</h2>
          <Countdown until={sale.startsAt} label="The sale starts in" onDone={() => void readSale()} />
          {!session && <SignInOffer saleId={saleId} />}
        </section>
      ) : session ? (
        <Entry
          shopId={shopId}
          sale={sale}
          onTicket={(ticket) => {
            const next: StoredTicket = {
              ticket: ticket.ticket,
              ...(ticket.streamUrl ? { streamUrl: ticket.streamUrl } : {}),
              ...(ticket.ticketEndsAt ? { ticketEndsAt: ticket.ticketEndsAt } : {}),
              last: ticket,
            };
            saveTicket(shopId, saleId, session.sub, next);
            setStored(next);
          }}
          onSoldOut={() => setSoldOut(true)}
          onChanged={() => void readSale()}
        />
      ) : (
        <SignInOffer saleId={saleId} />
      )}
    </Page>
  );
}

function Page({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="flash-sale" aria-labelledby="sale-title">
      <p>Flash sale</p>
      <h1 id="sale-title">{title}</h1>
      {children}
    </section>
  );
}

function Product({ sale, variant }: { sale: Sale; variant: Variant | undefined }) {
  return (
    <dl class="sale-facts">
      {variant && (
        <>
          <dt>Price</dt>
          <dd>{formatMoney(variant.price)}</dd>
        </>
      )}
      <dt>Units in this drop</dt>
      <dd>{sale.units}</dd>
      <dt>Per customer</dt>
      <dd>at most {sale.perCustomerLimit}</dd>
      <dt>Ends</dt>
      <dd>{new Date(sale.endsAt).toLocaleString()}</dd>
      {variant && (
        <>
          <dt>Product</dt>
          <dd>
            <a href={`/products/${encodeURIComponent(variant.productId)}`}>{variant.title}</a> (SKU {sale.sku})
          </dd>
        </>
      )}
    </dl>
  );
}

function SignInOffer({ saleId }: { saleId: string }) {
  return (
    <p>
      Entering needs an account.{' '}
      <a class="button" href={`/sign-in?returnTo=${encodeURIComponent(`/flash-sales/${saleId}`)}`}>
        Sign in
      </a>
    </p>
  );
}

function SoldOut({ sale }: { sale: Sale }) {
  return (
    <section aria-labelledby="sold-out" class="sold-out">
      <h2 id="sold-out">{sale.status === 'ended' ? 'This sale is over' : 'Sold out'}</h2>
      <p>Every unit of this drop is taken{sale.status === 'ended' ? ' and the sale has ended' : ''}. Thank you for coming.</p>
      <a href="/">Back to the shop</a>
    </section>
  );
}

function Entry({ shopId, sale, onTicket, onSoldOut, onChanged }: { shopId: string; sale: Sale; onTicket: (ticket: Ticket) => void; onSoldOut: () => void; onChanged: () => void }) {
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const enter = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const {
        data,
        error: failed,
        response,
      } = await api.POST('/v1/shops/{shopId}/flash-sales/{saleId}/entries', {
        params: { path: { shopId, saleId: sale.saleId } },
        body: { quantity },
      });
      if (data) {
        // 200 {status: "sold_out"} (also the edge's, or "ended" there), or the ticket (202 queued, 200 decided).
        if ('ticket' in data) onTicket(data);
        else onSoldOut();
        return;
      }
      const problem = problemOf(failed, response);
      if (problem.code === 'ended') return onSoldOut();
      if (problem.code === 'not_started') onChanged();
      setError(problem.retryAfter ? `${describeProblem(problem)} Try again in ${problem.retryAfter} s.` : describeProblem(problem));
    } catch {
      setError('The shop could not be reached. Try again.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="sale-entry"
      onSubmit={(event) => {
        event.preventDefault();
        void enter();
      }}
    >
      <p>The sale is live. One entry per customer: your ticket keeps your place in line.</p>
      {sale.perCustomerLimit > 1 && (
        <label>
          Quantity{' '}
          <input
            type="number"
            name="quantity"
            min={1}
            max={sale.perCustomerLimit}
            value={quantity}
            onInput={(event) => setQuantity(Math.max(1, Math.min(sale.perCustomerLimit, Number(event.currentTarget.value) || 1)))}
          />
        </label>
      )}{' '}
      <button type="submit" disabled={busy} aria-busy={busy}>
        Enter the sale
      </button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function TicketView({ shopId, sale, sub, stored }: { shopId: string; sale: Sale; sub: string; stored: StoredTicket }) {
  const { route } = useLocation();
  const { ticket, channel, notice } = useLiveTicket(shopId, sale.saleId, sub, stored);
  const now = useNow();
  const status = ticket?.status ?? 'queued';
  const holdLeft = ticket?.holdExpiresAt ? Date.parse(ticket.holdExpiresAt) - now : 0;
  return (
    <section aria-labelledby="ticket-title" class={`ticket ticket-${status}`}>
      <h2 id="ticket-title">Your ticket #{stored.ticket}</h2>
      <p role="status" aria-live="polite">
        {status === 'queued' && (ticket?.position !== undefined ? `You are in line: about ${ticket.position} ${ticket.position === 1 ? 'person' : 'people'} ahead of you.` : 'You are in line.')}
        {status === 'won' && (holdLeft > 0 ? `You won ${ticket?.quantity ?? 1} ${ticket?.quantity === 1 ? 'unit' : 'units'}! They are held for you.` : 'You won, but your hold has expired.')}
        {status === 'lost' && 'Sold out: the units went to the tickets ahead of yours. You did not win this time.'}
        {status === 'expired' && 'Your hold expired before checkout: its units went back to the sale.'}
      </p>
      {status === 'queued' && <p class="hint">Keep this page open, or come back: your place is kept. {channel === 'stream' ? 'Updates arrive live.' : 'Checking for updates…'}</p>}
      {status === 'won' && ticket?.holdId && ticket.holdExpiresAt && holdLeft > 0 && (
        <>
          <Countdown until={ticket.holdExpiresAt} label="Check out before your hold expires:" />
          <button type="button" onClick={() => route(`/checkout?${new URLSearchParams({ flashSaleHoldId: ticket.holdId!, holdExpiresAt: ticket.holdExpiresAt!, saleId: sale.saleId }).toString()}`)}>
            Checkout
          </button>
        </>
      )}
      {(status === 'lost' || status === 'expired') && <a href="/">Back to the shop</a>}
      {notice && <p role="alert">{notice}</p>}
    </section>
  );
}
