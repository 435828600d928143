import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deliberately slow dependency: an HTTP server on a free port that accepts every
 * connection and reads every request, then either answers only after `answerAfterMs`
 * (default: an hour, so never within a test) or, with `reset`, destroys the connection at
 * once (a dependency that refuses work). It counts the requests it saw and the answers it
 * gave, so a test can tell how many attempts a client made and that it gave up before the
 * server answered.
 */
export interface SlowServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Requests received (one per client attempt). */
  readonly requests: () => number;
  /** Requests answered so far. */
  readonly answered: () => number;
  readonly seen: () => readonly IncomingMessage[];
  stop(): Promise<void>;
}

export async function startSlowServer(options: { answerAfterMs?: number; reset?: boolean } = {}): Promise<SlowServer> {
  const seen: IncomingMessage[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let answered = 0;
  const server: Server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    if (options.reset) {
      req.socket.destroy();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answered += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }, options.answerAfterMs ?? 3_600_000);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    requests: () => seen.length,
    answered: () => answered,
    seen: () => seen,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
