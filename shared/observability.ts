import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/**
 * The one logger, metrics and tracer instance of a function (Powertools). Structured JSON
 * logs; handlers append correlation ids and business keys (shopId, orderId, sku).
 * Locally the runtime sets POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_DISABLED and
 * POWERTOOLS_TRACE_ENABLED=false.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'commerce';

export const logger = new Logger({ serviceName });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Commerce',
  serviceName,
});

export { MetricUnit };

/**
 * Wraps a handler that is not an HTTP one (bus, schedule, queue, stream) so that every
 * invocation logs with its own keys only. Powertools keeps the keys a handler appends for the
 * logger's life, which is the warm container's: without a reset, the next invocation's lines
 * would carry the previous order's or shop's ids. Also adds the Lambda context (request id,
 * function, cold start) to every line. httpHandler does the same for the API's handlers.
 */
export function withInvocationLogging<H extends (event: never, context: Context, ...rest: never[]) => unknown>(handler: H): H {
  const wrapped = (event: never, context: Context, ...rest: never[]) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    return handler(event, context, ...rest);
  };
  return wrapped as H;
}

/** Publishes the metrics recorded so far, if any (an empty publish only logs a warning). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/**
 * X-Ray tracing, only where Lambda runs the function with tracing wanted (Powertools'
 * own rule: AWS_EXECUTION_ENV set, not SAM local, POWERTOOLS_TRACE_ENABLED not "false").
 * Elsewhere the X-Ray SDK is not even loaded: it costs a few hundred milliseconds at
 * start-up and would look for a daemon that is not there.
 */
const tracingWanted = process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false' && Boolean(process.env.AWS_EXECUTION_ENV) && !process.env.AWS_SAM_LOCAL;

export const tracer: Tracer | undefined = tracingWanted ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName }) : undefined;

/** Records every call of an AWS SDK client as an X-Ray subsegment (when tracing). */
export function traceClient<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

/**
 * Runs `work` in its own subsegment `## name` with annotations (searchable in X-Ray), the
 * cold start and the service name, recording a thrown error; without tracing, just `work`.
 */
export async function traced<T>(name: string, annotations: Readonly<Record<string, string>>, work: () => Promise<T>): Promise<T> {
  const parent = tracer?.getSegment();
  if (!tracer || !parent) return work();
  const subsegment = parent.addNewSubsegment(`## ${name}`);
  tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  for (const [key, value] of Object.entries(annotations)) tracer.putAnnotation(key, value);
  try {
    return await work();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}
