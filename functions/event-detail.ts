import type { z } from 'zod';
import { logger } from '#shared/observability';

/** What an EventBridge handler reads of its event. */
export interface BusEvent {
  readonly id: string;
  readonly detail: unknown;
}

/**
 * An EventBridge event's detail read against its schema, or `undefined` when malformed: then
 * it is logged (`message`, the event id and each issue) and the handler drops it, since a
 * malformed event never gets better with retries.
 */
export function parseEventDetail<Schema extends z.ZodType>(schema: Schema, event: BusEvent, message: string, log: Pick<typeof logger, 'error'> = logger): z.infer<Schema> | undefined {
  const detail = schema.safeParse(event.detail);
  if (detail.success) return detail.data;
  log.error(message, { id: event.id, issues: detail.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)) });
  return undefined;
}
