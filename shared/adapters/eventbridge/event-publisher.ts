import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/** A domain event for the bus: `source` names the context, `detailType` the fact. */
export interface BusEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  /** Resources the event is about (ARNs or ids), for tracing. */
  readonly resources?: readonly string[];
}

export interface EventPublisher {
  /** Puts every event on the bus or throws: entries that fail are retried a few times first. */
  publish(events: readonly BusEvent[]): Promise<void>;
}

export function eventBridgePublisher(client: EventBridgeClient, busName: () => string, attempts = 4): EventPublisher {
  return {
    async publish(events) {
      for (let i = 0; i < events.length; i += 10) {
        let entries: PutEventsRequestEntry[] = events.slice(i, i + 10).map((event) => ({
          EventBusName: busName(),
          Source: event.source,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
          ...(event.resources ? { Resources: [...event.resources] } : {}),
        }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const answer = await client.send(new PutEventsCommand({ Entries: entries }));
          if (!answer.FailedEntryCount) break;
          const failed = entries.filter((_, j) => answer.Entries?.[j]?.ErrorCode);
          if (attempt >= attempts) {
            const reasons = [...new Set(answer.Entries?.map((e) => e.ErrorCode).filter(Boolean))].join(', ');
            throw new Error(`EventBridge refused ${failed.length} events after ${attempts} attempts (${reasons})`);
          }
          entries = failed;
          await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        }
      }
    },
  };
}
