/**
 * A minimal EventSource for tests and benches: opens a `text/event-stream` with fetch and hands out
 * its events (`event`, `id`, `data`) and comments one at a time, as a browser's EventSource parses them.
 */
export interface StreamMessage {
  readonly kind: 'event' | 'comment' | 'retry';
  readonly event?: string;
  readonly id?: string;
  readonly data?: string;
  readonly comment?: string;
  readonly retry?: number;
}

export interface OpenedStream {
  readonly status: number;
  readonly headers: Headers;
  /** The next message, or undefined once the stream ended; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<StreamMessage | undefined>;
  /** The body of a response that is not a stream (a problem document). */
  text(): Promise<string>;
  close(): void;
}

export async function openEventStream(url: string, init: { lastEventId?: string } = {}): Promise<OpenedStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...(init.lastEventId ? { 'last-event-id': init.lastEventId } : {}) }, signal: controller.signal });
  const streamed = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  const reader = streamed ? response.body?.getReader() : undefined;
  const decoder = new TextDecoder();
  const queue: StreamMessage[] = [];
  let buffer = '';
  let ended = false;
  // A read still pending when next() timed out is kept for the next call, so no chunk is lost.
  let pending: ReturnType<NonNullable<typeof reader>['read']> | undefined;

  const parseBlocks = () => {
    for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields: { event?: string; id?: string; data: string[] } = { data: [] };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) queue.push({ kind: 'comment', comment: line.slice(1).trim() });
        else if (line.startsWith('retry:')) queue.push({ kind: 'retry', retry: Number(line.slice(6).trim()) });
        else if (line.startsWith('event:')) fields.event = line.slice(6).trim();
        else if (line.startsWith('id:')) fields.id = line.slice(3).trim();
        else if (line.startsWith('data:')) fields.data.push(line.slice(5).replace(/^ /, ''));
      }
      if (fields.data.length > 0) queue.push({ kind: 'event', ...(fields.event ? { event: fields.event } : {}), ...(fields.id ? { id: fields.id } : {}), data: fields.data.join('\n') });
    }
  };

  return {
    status: response.status,
    headers: response.headers,
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0 && !ended) {
        if (!reader) return undefined;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no stream message within ${timeoutMs} ms`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), left);
        });
        pending ??= reader.read();
        const read = await Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
        if (read === 'timeout') throw new Error(`no stream message within ${timeoutMs} ms`);
        pending = undefined;
        if (read.done) ended = true;
        else {
          buffer += decoder.decode(read.value, { stream: true });
          parseBlocks();
        }
      }
      return queue.shift();
    },
    text: () => response.text(),
    close: () => {
      pending?.catch(() => undefined);
      controller.abort();
    },
  };
}
