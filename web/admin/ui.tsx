import type { ComponentChildren } from 'preact';
import { describeProblem, problemOf, type Problem } from '../api-client/client';

/** What every console page shows for a refused or failed call: the API's own words. */
export function ProblemAlert({ problem, context }: { problem: Problem | undefined; context?: string }) {
  if (!problem) return null;
  return (
    <p role="alert" class="problem">
      {context ? `${context}: ` : ''}
      {describeProblem(problem)} <span class="code">({problem.code})</span>
    </p>
  );
}

/** How long the console waits for an answer (SHIPPED and RETURNED call Stripe; an import uploads up to 4 MiB). */
export const CALL_TIMEOUT_MS = 30_000;

/**
 * An openapi-fetch call as its data or the problem to show: the API's problem document for a
 * refusal, status 0 when the shop could not be reached or did not answer within
 * `CALL_TIMEOUT_MS` (the call is aborted through the signal it is given).
 */
export async function run<D>(
  request: (signal: AbortSignal) => Promise<{ data?: D; error?: unknown; response: Response }>,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<{ data: D; problem?: undefined } | { data?: undefined; problem: Problem }> {
  try {
    const { data, error, response } = await request(AbortSignal.timeout(timeoutMs));
    if (response.ok && data !== undefined) return { data };
    return { problem: problemOf(error, response) };
  } catch (error) {
    return { problem: { status: 0, code: error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'network_error' } };
  }
}

/** Minor units in a currency, e.g. 1999 USD → $19.99. */
export function money(value: { amount: number; currency: string } | undefined): string {
  if (!value) return '—';
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: value.currency });
  return format.format(value.amount / 10 ** minorDigits(value.currency));
}

/** How many minor units a currency has (JPY 0, EUR 2). */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function dateTime(iso: string | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function Busy({ children }: { children?: ComponentChildren }) {
  return <p aria-busy="true">{children ?? 'Loading…'}</p>;
}
