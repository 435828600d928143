/**
 * The ports of the notifications context: a mailer that sends one email, and a ledger of
 * sent emails that lets each key through at most once (adapters: shared/adapters/ses/ and
 * shared/adapters/dynamodb/sent-once-store.ts).
 */
export interface OutgoingEmail {
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Labels for delivery reporting (SES message tags): `{ type: 'order-confirmed', shopId: 'demo' }`. */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Mailer {
  /**
   * Sends the email. MailNotSentError when the mail service refused it, so it certainly did
   * not go out; any other error leaves that unknown (the request may have been accepted).
   */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/** The mail service answered with a refusal (throttled, rejected, misconfigured): nothing was sent. */
export class MailNotSentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailNotSentError';
  }
}

export interface SentOnce {
  /**
   * Records `key` unless it is recorded already: true for the one caller that recorded it,
   * false for every other, concurrent or later. The claim alone blocks a second email: it
   * is the only write of an email sent (its message id goes to the log).
   */
  claim(key: string): Promise<boolean>;
  /** Gives a claim back when its email certainly did not go out, so a retry may send it. */
  release(key: string): Promise<void>;
}
