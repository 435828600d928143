import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/*
 * What the local runtime needs of a streaming handler, apart from streaming.ts: the runtime
 * imports this before it has set the handlers' environment, and streaming.ts imports the
 * logger, which reads its level and switches when it is first imported.
 */
export interface ResponseSink {
  /** The status and headers, once, before the first write. */
  open(statusCode: number, headers: Readonly<Record<string, string>>): void;
  /** Writes a chunk; resolves once it may be followed (backpressure). */
  write(chunk: string): Promise<void>;
  end(): void;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export type StreamingHandle = (event: APIGatewayProxyEventV2, sink: ResponseSink, context: Context | undefined) => Promise<void>;

/** The property under which a streaming handler offers itself to the local runtime. */
export const LOCAL_STREAMING = 'localStreaming';

export type StreamingHandler = ((event: APIGatewayProxyEventV2, ...rest: unknown[]) => Promise<unknown>) & { readonly [LOCAL_STREAMING]: StreamingHandle };
