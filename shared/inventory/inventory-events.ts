/** The bus as inventory sees it (an adapter puts these on EventBridge). */
export interface EventPublisherPort {
  publish(events: ReadonlyArray<{ source: string; detailType: string; detail: Record<string, unknown>; resources?: readonly string[] }>): Promise<void>;
}
