import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { FunctionSpec } from '#functions/registry';
import { isEdgeResponse, type EdgeHandler, type EdgeRequest } from './edge-function';
import { DEFAULT_THROTTLE, routeKey, type Route } from '#functions/routes';
import { requiresToken } from '#shared/http/contract';
import { foreground as processForeground, type ForegroundTracker } from './foreground';
import type { ResponseSink } from '#shared/http/streaming-contract';
import type { LocalInvoker } from './lambda-context';
import { claimsAsApiGateway, localTokenVerifier } from './local-jwt';
import type { WebAppsHandler } from './web-apps';

/**
 * The local HTTP API: turns real HTTP requests into API Gateway v2 (payload 2.0) events
 * for the same handlers, routed by the same route table, with the JWT check and the
 * per-route throttling that API Gateway does in AWS, and each function's reserved
 * concurrency (`maxConcurrency`) that Lambda enforces. Where API Gateway answers by itself
 * (no token, throttled, function at capacity or timed out) this gateway answers with a
 * problem document; see the README.
 *
 * Overload is refused before any other work (no body read, no JWT check, no invocation), so a
 * refusal costs microseconds: 429 `rate_limited` when a route's throttle is empty (the callers
 * send too much), 503 `service_unavailable` when the function has every slot in use (the
 * platform is at capacity), both with `Retry-After`. It never answers 504: a function that ran
 * out its timeout is a 503 too, and logged as an error.
 */
export interface GatewayOptions {
  readonly routes: readonly Route[];
  /** The `$default` route: requests that match no route. */
  readonly fallback: FunctionSpec;
  readonly invoke: LocalInvoker;
  readonly jwtSecret: string;
  /** @default 3000; 0 picks a free port */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** Apply the route table's throttling. @default true */
  readonly throttling?: boolean;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Interactive requests in flight, which background work yields to. @default the process's tracker */
  readonly foreground?: ForegroundTracker;
  /** How often a burst of refusals for capacity is logged, with its count. @default 5 s */
  readonly shedLogIntervalMs?: number;
  /**
   * The CloudFront Function in front of the routes (viewer request), for the paths its cache
   * behaviours cover: what it answers never reaches a route. @default none
   */
  readonly edge?: { readonly handler: EdgeHandler; readonly paths: RegExp };
  /**
   * What CloudFront's default behaviour serves in AWS (the web apps from S3): asked first for
   * every request; it answers the paths that are not the API's and returns false for the rest.
   */
  readonly site?: WebAppsHandler;
}

export interface LocalGateway {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

interface CompiledRoute {
  readonly route: Route;
  readonly key: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly bucket: TokenBucket;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024; // API Gateway's payload limit
/** Seconds a caller refused for capacity waits: in-flight invocations finish within about that. */
const RETRY_AFTER_BUSY_SECONDS = 1;
/** Seconds after a timed-out invocation: its dependency was slow, so give it longer to recover. */
const RETRY_AFTER_TIMEOUT_SECONDS = 5;
/** Refusals for capacity are logged at most this often per function, with how many there were. */
const SHED_LOG_INTERVAL_MS = 5_000;
const TEXT_TYPES = /^(text\/|application\/([a-z.+-]*\+)?(json|xml|x-www-form-urlencoded)|application\/javascript)/i;
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
  'access-control-allow-headers': 'authorization,content-type,idempotency-key,x-correlation-id',
  'access-control-max-age': '600',
};

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const compiled = options.routes.map((route) => compile(route));
  const verify = localTokenVerifier(options.jwtSecret);
  const throttling = options.throttling ?? true;
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const tracker = options.foreground ?? processForeground;
  const shedLogIntervalMs = options.shedLogIntervalMs ?? SHED_LOG_INTERVAL_MS;
  /** Per function: refusals not logged yet, and the timer that logs them at the end of the interval. */
  const shedding = new Map<string, { unlogged: number; timer: NodeJS.Timeout }>();

  /**
   * The first refusal of a burst is logged at once; the burst's later ones are counted and
   * logged together at the end of each interval, so that every refusal is in the log once.
   */
  function logShed(fn: FunctionSpec): void {
    const entry = (refused: number) => ({ level: 'WARN', message: 'requests refused: function at its reserved concurrency', function: fn.id, maxConcurrency: fn.maxConcurrency, refused });
    const state = shedding.get(fn.id);
    if (state) {
      state.unlogged++;
      return;
    }
    log(entry(1));
    const flush = (): void => {
      const current = shedding.get(fn.id)!;
      if (current.unlogged === 0) return void shedding.delete(fn.id);
      log({ ...entry(current.unlogged), intervalMs: shedLogIntervalMs });
      current.unlogged = 0;
      current.timer = setTimeout(flush, shedLogIntervalMs).unref();
    };
    shedding.set(fn.id, { unlogged: 0, timer: setTimeout(flush, shedLogIntervalMs).unref() });
  }

  /** 503 with Retry-After: the function's reserved concurrency is all in use. */
  function shed(res: ServerResponse, fn: FunctionSpec): void {
    logShed(fn);
    res.setHeader('retry-after', String(RETRY_AFTER_BUSY_SECONDS));
    sendProblem(res, 503, 'service_unavailable', `${fn.id} is at its capacity of ${fn.maxConcurrency} requests in flight; retry after ${RETRY_AFTER_BUSY_SECONDS} s.`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log({ level: 'ERROR', message: 'gateway failure', error: String(error) });
      if (!res.headersSent) sendProblem(res, 500, 'internal_error', 'The local gateway failed; see its log.');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    if (options.edge) {
      // CloudFront hands the function the path as the viewer sent it (no query string, not decoded).
      const target = req.url ?? '/';
      const query = target.indexOf('?');
      const uri = query < 0 ? target : target.slice(0, query);
      if (options.edge.paths.test(uri) && (await answeredAtEdge(options.edge.handler, req, method, uri, res))) return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (options.site && (await options.site(req, res, method, url))) return;
    if (method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    const match = matchRoute(compiled, method, url.pathname);
    const fn = match ? match.compiled.route.function : options.fallback;
    // Refusals for overload come first: they cost no body read, no JWT check, no invocation.
    if (match && throttling && !match.compiled.bucket.take()) {
      res.setHeader('retry-after', '1');
      sendProblem(res, 429, 'rate_limited', 'This route is receiving more requests than it is allowed; retry shortly.');
      return;
    }
    if (options.invoke.atCapacity?.(fn)) {
      shed(res, fn);
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      sendProblem(res, 413, 'payload_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
      return;
    }
    let claims: Record<string, string> | undefined;
    const auth = match?.compiled.route.auth;
    if (auth !== undefined && requiresToken(auth)) {
      const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token) {
        sendProblem(res, 401, 'unauthorized', 'A bearer token is required: send `Authorization: Bearer <token>` (`npm run token` prints one).');
        return;
      }
      try {
        claims = claimsAsApiGateway(await verify(token));
      } catch (error) {
        sendProblem(res, 401, 'unauthorized', `The token was refused: ${(error as Error).message}.`);
        return;
      }
    }
    const key = match ? match.compiled.key : '$default';
    const event = toEvent(req, url, method, body, key, match?.pathParameters, claims);
    if (match?.compiled.route.responseStreaming) {
      await stream(fn, key, event, res);
      return;
    }
    // The slot is taken here, as Lambda counts an invocation; the check above may have raced others.
    const running = options.invoke.tryInvoke ? options.invoke.tryInvoke(fn, event) : options.invoke(fn, event);
    if (!running) {
      shed(res, fn);
      return;
    }
    const leave = tracker.enter();
    try {
      let result: APIGatewayProxyResultV2;
      try {
        result = (await running) as APIGatewayProxyResultV2;
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') {
          // A handler that ignored its time budget: a bug to fix, but the caller gets a retryable answer, not a 504.
          log({ level: 'ERROR', message: 'FUNCTION TIMED OUT: it ran past its timeout instead of answering 503 within its budget', function: fn.id, route: key, error: String(error) });
          res.setHeader('retry-after', String(RETRY_AFTER_TIMEOUT_SECONDS));
          sendProblem(res, 503, 'service_unavailable', 'The service did not answer in time; retry later.');
          return;
        }
        log({ level: 'ERROR', message: 'function failed', function: fn.id, error: String(error) });
        sendProblem(res, 502, 'bad_gateway', 'The function failed without an answer.');
        return;
      }
      writeResult(res, result);
    } finally {
      leave();
    }
  }

  /**
   * A streaming route (a function URL in RESPONSE_STREAM mode in AWS): the handler's writes go to
   * the socket as chunks as they come, nothing buffered. The stream is not counted as foreground
   * work: an open stream mostly waits, and background jobs must not yield to it for minutes.
   */
  async function stream(fn: FunctionSpec, key: string, event: APIGatewayProxyEventV2, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const sink: ResponseSink = {
      open: (status, headers) => {
        res.writeHead(status, { ...CORS_HEADERS, ...headers });
        res.flushHeaders();
      },
      write: (chunk) =>
        new Promise<void>((resolve) => {
          if (res.destroyed || res.write(chunk)) resolve();
          else res.once('drain', () => resolve()).once('close', () => resolve());
        }),
      end: () => {
        if (!res.writableEnded) res.end();
      },
      signal: gone.signal,
    };
    const running = options.invoke.tryStream?.(fn, event, sink);
    if (!running) {
      if (!options.invoke.tryStream) throw new Error(`the invoker cannot stream ${fn.id}`);
      shed(res, fn);
      return;
    }
    try {
      await running;
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      log({ level: 'ERROR', message: timedOut ? 'FUNCTION TIMED OUT while streaming' : 'streaming function failed', function: fn.id, route: key, error: String(error) });
      if (!res.headersSent) {
        res.setHeader('retry-after', String(RETRY_AFTER_TIMEOUT_SECONDS));
        sendProblem(res, timedOut ? 503 : 502, timedOut ? 'service_unavailable' : 'bad_gateway', 'The stream could not be served; retry later.');
        return;
      }
    }
    if (!res.writableEnded) res.end();
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: a drop's streams and entries open connections by the thousand at once.
    server.listen({ port: options.port ?? 3000, host, backlog: 4096 }, () => resolve((server.address() as AddressInfo).port));
  });
  server.keepAliveTimeout = 65_000;
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const { timer } of shedding.values()) clearTimeout(timer);
        shedding.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs the edge function on the request; when it answers, writes that answer (with the CORS headers of every local answer). */
async function answeredAtEdge(edge: EdgeHandler, req: IncomingMessage, method: string, uri: string, res: ServerResponse): Promise<boolean> {
  const headers: Record<string, { value: string }> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = { value };
  }
  const request: EdgeRequest = { method, uri, querystring: {}, headers, cookies: {} };
  const result = await edge({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: req.socket.remoteAddress ?? '127.0.0.1' }, request });
  if (!isEdgeResponse(result)) return false;
  const out: Record<string, string> = { ...CORS_HEADERS };
  for (const name in result.headers) out[name] = result.headers[name]!.value;
  const body = result.body === undefined ? undefined : typeof result.body === 'string' ? result.body : result.body.encoding === 'base64' ? Buffer.from(result.body.data, 'base64') : result.body.data;
  res.writeHead(result.statusCode, out).end(body);
  return true;
}

function compile(route: Route): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z0-9_]+)(\+)?\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1]!);
      return param[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  const throttle = route.throttle ?? DEFAULT_THROTTLE;
  return { route, key: routeKey(route), pattern: new RegExp(`^${source}$`), params, bucket: new TokenBucket(throttle.rateLimit, throttle.burstLimit) };
}

function matchRoute(routes: readonly CompiledRoute[], method: string, path: string) {
  for (const compiled of routes) {
    if (compiled.route.method !== method) continue;
    const found = compiled.pattern.exec(path);
    if (!found) continue;
    const pathParameters: Record<string, string> = {};
    compiled.params.forEach((name, i) => {
      pathParameters[name] = safeDecode(found[i + 1]!);
    });
    return { compiled, pathParameters };
  }
  return undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  body: Buffer,
  key: string,
  pathParameters: Record<string, string> | undefined,
  claims: Record<string, string> | undefined,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // API Gateway v2 joins repeated query parameters with commas.
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = Date.now();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(pathParameters && Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  } as APIGatewayProxyEventV2;
}

function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  // A handler may return a bare value: API Gateway then answers 200 with it as JSON.
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    res.writeHead(200, { 'content-type': 'application/json', ...CORS_HEADERS }).end(JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = { ...CORS_HEADERS };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}

function sendProblem(res: ServerResponse, status: number, code: string, detail: string): void {
  const titles: Record<number, string> = { 401: 'Unauthorized', 413: 'Content Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };
  res
    .writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...CORS_HEADERS })
    .end(JSON.stringify({ type: `urn:commerce:problem:${code}`, title: titles[status] ?? 'Error', status, detail, code }));
}

/** API Gateway's throttle: a steady rate with a burst allowance, per route. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
