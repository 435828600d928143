import { useEffect, useState } from 'preact/hooks';
import { api, describeProblem, problemOf } from '../../api-client/client';
import { currentSession, onSessionChange } from '../../api-client/session';

/**
 * The cart, one shape for both kinds of shopper. A guest's cart lives in this browser's
 * localStorage (the SKU, the quantity, and what the product page showed: title and price); a
 * signed-in customer's cart is the API's, priced by the API. At sign-in the guest cart is merged
 * into the account cart (`POST …/cart/merge`) and the local copy is dropped.
 */
export interface CartLine {
  readonly sku: string;
  readonly quantity: number;
  readonly title?: string;
  readonly unitPrice?: { readonly amount: number; readonly currency: string };
  readonly lineTotal?: { readonly amount: number; readonly currency: string };
  readonly available: boolean;
}
export interface CartView {
  readonly items: readonly CartLine[];
  readonly subtotal?: { readonly amount: number; readonly currency: string };
  /** True for the guest cart kept in this browser. */
  readonly guest: boolean;
}

const GUEST_KEY = 'commerce.guest-cart';
const MAX_QUANTITY = 99;
const MERGE_NOTICE = 'commerce.merge-skipped';
const listeners = new Set<(cart: CartView) => void>();
let latest: CartView | undefined;

interface GuestLine {
  sku: string;
  quantity: number;
  title?: string;
  unitPrice?: { amount: number; currency: string };
}

function readGuest(shopId: string): GuestLine[] {
  try {
    const saved = JSON.parse(localStorage.getItem(`${GUEST_KEY}.${shopId}`) ?? '[]') as unknown;
    return Array.isArray(saved) ? (saved as GuestLine[]).filter((line) => typeof line.sku === 'string' && Number.isInteger(line.quantity) && line.quantity > 0) : [];
  } catch {
    return [];
  }
}

function writeGuest(shopId: string, lines: GuestLine[]): void {
  if (lines.length) localStorage.setItem(`${GUEST_KEY}.${shopId}`, JSON.stringify(lines));
  else localStorage.removeItem(`${GUEST_KEY}.${shopId}`);
}

function guestView(shopId: string): CartView {
  const lines = readGuest(shopId);
  const currency = lines.find((line) => line.unitPrice)?.unitPrice?.currency;
  const items = lines.map((line) => ({
    ...line,
    available: true,
    ...(line.unitPrice ? { lineTotal: { amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency } } : {}),
  }));
  return { items, guest: true, ...(currency ? { subtotal: { amount: items.reduce((sum, line) => sum + (line.lineTotal?.amount ?? 0), 0), currency } } : {}) };
}

/** Each call's turn: an answer older than one already shown (a read racing the merge at sign-in) is dropped. */
let started = 0;
let shown = 0;
const turn = () => ++started;

function publish(cart: CartView, seq = turn()): CartView {
  if (seq < shown) return latest ?? cart;
  shown = seq;
  latest = cart;
  for (const listener of listeners) listener(cart);
  return cart;
}

type ApiCart = { items: CartLine[]; subtotal: { amount: number; currency: string } };
const accountView = (cart: ApiCart): CartView => ({ items: cart.items, subtotal: cart.subtotal, guest: false });

async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new Error(describeProblem({ status: 0, code: 'network' }));
  }
  if (result.data === undefined) throw new Error(describeProblem(problemOf(result.error, result.response)));
  return result.data;
}

/** Reads the cart again (the API's for a signed-in customer). */
export async function loadCart(shopId: string): Promise<CartView> {
  const seq = turn();
  if (!currentSession()) return publish(guestView(shopId), seq);
  return publish(accountView(await answer(api.GET('/v1/shops/{shopId}/cart', { params: { path: { shopId } } }))), seq);
}

/** Sets a line's quantity (0 removes it); adds to what is there when `add` is set. */
export async function setQuantity(shopId: string, sku: string, quantity: number, details: { title?: string; unitPrice?: { amount: number; currency: string }; add?: boolean } = {}): Promise<CartView> {
  // A guest's lines are read from localStorage itself (another tab may have changed them).
  const lines = currentSession() ? (latest && !latest.guest ? latest : await loadCart(shopId)).items : readGuest(shopId);
  const current = lines.find((line) => line.sku === sku)?.quantity ?? 0;
  const wanted = Math.min(MAX_QUANTITY, Math.max(0, Math.floor(details.add ? current + quantity : quantity)));
  if (!currentSession()) {
    const lines = readGuest(shopId);
    const previous = lines.find((line) => line.sku === sku);
    const title = details.title ?? previous?.title;
    const unitPrice = details.unitPrice ?? previous?.unitPrice;
    const line: GuestLine = { sku, quantity: wanted, ...(title ? { title } : {}), ...(unitPrice ? { unitPrice } : {}) };
    const next = previous ? lines.map((l) => (l.sku === sku ? line : l)) : [...lines, line];
    writeGuest(
      shopId,
      next.filter((l) => l.quantity > 0),
    );
    return publish(guestView(shopId));
  }
  const seq = turn();
  const cart =
    wanted === 0
      ? await answer(api.DELETE('/v1/shops/{shopId}/cart/items/{sku}', { params: { path: { shopId, sku } } }))
      : await answer(api.PUT('/v1/shops/{shopId}/cart/items/{sku}', { params: { path: { shopId, sku } }, body: { quantity: wanted } }));
  return publish(accountView(cart), seq);
}

/** What the merge could not bring over, for the shopper to read. */
export interface MergeOutcome {
  readonly merged: number;
  readonly skipped: readonly { readonly sku: string; readonly reason: 'not_found' | 'out_of_stock' }[];
}

/** After sign-in: the guest cart goes into the account cart, then the local copy is dropped. */
export async function mergeGuestCart(shopId: string): Promise<MergeOutcome> {
  const lines = readGuest(shopId);
  if (!currentSession() || !lines.length) {
    if (currentSession()) await loadCart(shopId).catch(() => undefined);
    return { merged: 0, skipped: [] };
  }
  const seq = turn();
  const result = await answer(api.POST('/v1/shops/{shopId}/cart/merge', { params: { path: { shopId } }, body: { items: lines.map(({ sku, quantity }) => ({ sku, quantity })) } }));
  writeGuest(shopId, []);
  if (result.skipped.length) sessionStorage.setItem(MERGE_NOTICE, JSON.stringify(result.skipped));
  publish(accountView(result), seq);
  return { merged: lines.length - result.skipped.length, skipped: result.skipped };
}

/** The cart after checkout emptied it on the server. */
export function cartEmptied(shopId: string): void {
  if (!currentSession()) writeGuest(shopId, []);
  publish({ items: [], guest: !currentSession() });
}

/** The cart, kept current across pages (and reloaded at sign-in or sign-out). */
export function useCart(shopId: string): { cart: CartView | undefined; error: string | undefined } {
  const [cart, setCart] = useState<CartView | undefined>(latest);
  const [error, setError] = useState<string>();
  useEffect(() => {
    listeners.add(setCart);
    const reload = () =>
      loadCart(shopId).then(
        () => setError(undefined),
        (e: Error) => setError(e.message),
      );
    void reload();
    const stop = onSessionChange(() => void reload());
    return () => {
      listeners.delete(setCart);
      stop();
    };
  }, [shopId]);
  return { cart, error };
}

export function cartCount(cart: CartView | undefined): number {
  return cart?.items.reduce((sum, line) => sum + line.quantity, 0) ?? 0;
}

/** What the last merge left out (read once, by the cart page). */
export function takeMergeNotice(): string | undefined {
  const raw = sessionStorage.getItem(MERGE_NOTICE);
  sessionStorage.removeItem(MERGE_NOTICE);
  const skipped = raw ? (JSON.parse(raw) as MergeOutcome['skipped']) : [];
  if (!skipped.length) return undefined;
  return `Some items of your guest cart could not join your account cart: ${skipped.map((s) => `${s.sku} (${s.reason === 'out_of_stock' ? 'out of stock' : 'no longer sold'})`).join(', ')}.`;
}
