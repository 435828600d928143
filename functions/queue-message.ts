import type { z } from 'zod';

/**
 * A queue message's body read against its schema: `undefined` when it is not JSON or not of
 * that shape. Such a message never parses however often it is delivered, so workers drop it
 * (logged and counted) instead of failing it into retries, which in a FIFO queue would hold
 * its whole message group until the DLQ took it.
 */
export function parseQueueMessage<Schema extends z.ZodType>(schema: Schema, body: string): z.infer<Schema> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const message = schema.safeParse(json);
  return message.success ? message.data : undefined;
}
