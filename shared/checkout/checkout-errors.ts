import { DomainError } from '#shared/errors';

export class PaymentDeclinedError extends DomainError {
  constructor(declineCode: string, message: string) {
    super('payment_declined', `The payment was declined (${message}); nothing was charged and the stock was released. Try another payment method with a new Idempotency-Key.`, { declineCode });
  }
}

export class CartEmptyError extends DomainError {
  constructor() {
    super('cart_empty', 'The cart is empty: add items before checking out.');
  }
}

export class ItemsUnavailableError extends DomainError {
  constructor(readonly skus: readonly string[]) {
    super('items_unavailable', `These items are no longer sold: ${skus.join(', ')}. Remove them from the cart and check out again.`, { skus });
  }
}

export class CheckoutExpiredError extends DomainError {
  constructor() {
    super('checkout_expired', 'This checkout took longer than its stock could be held, so the stock was released and nothing was charged. Check out again with a new Idempotency-Key.');
  }
}

export class CartTooLargeError extends DomainError {
  constructor(lines: number, maxLines: number) {
    super('cart_too_large', `This cart has ${lines} lines; one order can take at most ${maxLines}. Nothing was held or charged: check out part of the cart, then the rest.`, { lines, maxLines });
  }
}
