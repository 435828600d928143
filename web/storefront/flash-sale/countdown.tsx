import { useEffect, useState } from 'preact/hooks';

/** The time now, refreshed every `everyMs` (for countdowns). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${days > 0 ? `${days}d ` : ''}${hours > 0 || days > 0 ? `${two(hours)}:` : ''}${two(minutes)}:${two(seconds)}`;
}

/** A countdown to `until` (an ISO time); `onDone` once when it reaches zero. */
export function Countdown({ until, label, onDone }: { until: string; label: string; onDone?: () => void }) {
  const now = useNow();
  const left = Date.parse(until) - now;
  useEffect(() => {
    if (left <= 0) onDone?.();
  }, [left <= 0]);
  return (
    <p class="countdown">
      {label}{' '}
      <time role="timer" aria-label={label} dateTime={until} title={new Date(until).toLocaleString()}>
        {formatRemaining(left)}
      </time>
    </p>
  );
}

/** Minor units as the currency's money (USD 5000 → $50.00). */
export function formatMoney(price: { amount: number; currency: string }): string {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: price.currency });
  return format.format(price.amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}
