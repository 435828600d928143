import { DomainError, UnavailableError } from '#shared/errors';
import type { Money } from '#shared/catalog/product';

/**
 * Payments as checkout sees them: authorize (a PaymentIntent with manual capture), capture
 * on shipment, cancel (void), refund, read, find authorizations left behind, and verify
 * webhooks. Every write carries an idempotency key derived from ours, so a retry never
 * charges twice. Implemented with the `stripe` SDK (shared/adapters/stripe/).
 */
export type PaymentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'requires_capture' | 'processing' | 'succeeded' | 'canceled';

export type Authorization =
  | { readonly status: 'authorized'; readonly paymentIntentId: string }
  | { readonly status: 'requires_action'; readonly paymentIntentId: string; readonly nextAction: { readonly type: string; readonly url?: string } }
  | { readonly status: 'declined'; readonly paymentIntentId?: string; readonly declineCode: string; readonly message: string };

export interface AuthorizeInput {
  readonly amount: Money;
  readonly paymentMethodId: string;
  readonly idempotencyKey: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly receiptEmail?: string;
}

export interface PaymentSummary {
  readonly paymentIntentId: string;
  readonly status: PaymentStatus;
  readonly amount: Money;
  readonly metadata: Readonly<Record<string, string>>;
  readonly created: Date;
  /** What the customer must do (3-D Secure) while `requires_action`. */
  readonly nextAction?: { readonly type: string; readonly url?: string };
}

export interface CreatedWindow {
  readonly createdFrom: Date;
  readonly createdTo: Date;
}

export interface PaymentEvent {
  readonly id: string;
  readonly type: string;
  readonly payment?: PaymentSummary;
}

export interface PaymentGateway {
  authorize(input: AuthorizeInput): Promise<Authorization>;
  capture(paymentIntentId: string, options: { idempotencyKey: string; amount?: number }): Promise<void>;
  /** Voids an authorization; one already canceled is fine. */
  cancel(paymentIntentId: string, options: { idempotencyKey: string; reason?: 'abandoned' | 'requested_by_customer' | 'duplicate' }): Promise<void>;
  refund(paymentIntentId: string, options: { idempotencyKey: string; amount?: number }): Promise<{ refundId: string }>;
  get(paymentIntentId: string): Promise<PaymentSummary>;
  /**
   * One page of the authorizations still awaiting capture created within `window` (bounds
   * included), newest first, continuing after `after` (a page's `next`, or the id of any
   * payment of the window); `next` is absent on the last page (the reconciler).
   */
  authorizationsPage(window: CreatedWindow, after?: string): Promise<{ readonly payments: readonly PaymentSummary[]; readonly next?: string }>;
  /** Verifies the signature of a webhook and reads it; InvalidSignatureError otherwise. */
  parseWebhook(rawBody: string, signature: string | undefined): PaymentEvent;
}

export class InvalidSignatureError extends DomainError {
  constructor(message = 'The webhook signature is missing or does not match.') {
    super('invalid_signature', message);
  }
}

export class PaymentUnavailableError extends UnavailableError {
  constructor(detail: string) {
    super(`The payment provider cannot be reached (${detail}); nothing was charged. Retry shortly.`, 2);
  }
}

/** The provider refused our API key (revoked or rotated): the key is read again before giving up. */
export class PaymentKeyRejectedError extends PaymentUnavailableError {
  constructor() {
    super('it refused our API key');
  }
}

export class PaymentStateError extends DomainError {
  constructor(message: string) {
    super('payment_state', message);
  }
}
