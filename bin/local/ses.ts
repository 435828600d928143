/**
 * SES for the local runtime: aws-ses-v2-local in process (SES v1 and v2 SendEmail, raw email,
 * templates) with its web inbox.
 */
import type { Server } from 'node:http';
import * as sesLocal from 'aws-ses-v2-local';

export interface LocalSes {
  readonly endpoint: string;
  /** The server's web inbox (lists every email it holds, live). */
  readonly inboxUrl: string;
  stop(): Promise<void>;
}

/**
 * One email as aws-ses-v2-local stores it (`GET /store`). `at` is epoch seconds. For raw emails
 * `from` is the parsed From header and `subject`/`body` come from the MIME message.
 */
export interface SentEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: Array<{ content: string; contentType: string; filename?: string; size: number }>;
  headers?: Array<{ name: string; value: string }>;
  at: number;
}

type StartServer = (config?: Partial<{ host: string; port: number }>) => Promise<Server>;

/** The package is CommonJS with `exports.default`; depending on the loader it arrives wrapped once or twice. */
function serverFactory(): StartServer {
  const mod = sesLocal as unknown as { default?: unknown };
  const candidates = [mod.default, (mod.default as { default?: unknown } | undefined)?.default];
  const fn = candidates.find((c): c is StartServer => typeof c === 'function');
  if (!fn) throw new Error('aws-ses-v2-local has no server function export');
  return fn;
}

/**
 * Starts aws-ses-v2-local in this process on 127.0.0.1 and `opts.port` (default: a free one).
 * Its email store is module-global: every server started in one process shares it.
 */
/**
 * What the local server answers to SES v2 GetAccount (the health probe): it reads the
 * account from AWS_SES_ACCOUNT at request time and refuses without one.
 */
const LOCAL_ACCOUNT = {
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'TRANSACTIONAL',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Local development of the commerce platform',
    WebsiteURL: 'http://127.0.0.1',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: 1_000, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: [] },
};

export async function startSes(opts: { port?: number } = {}): Promise<LocalSes> {
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify(LOCAL_ACCOUNT);
  const server = await serverFactory()({ host: '127.0.0.1', port: opts.port ?? 0 });
  // On a listen error (port taken) the package still resolves, with a server that is not listening.
  if (!server.listening) {
    server.close();
    throw new Error(`The local SES server could not listen on 127.0.0.1:${opts.port ?? 0} (port taken?)`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    inboxUrl: `${endpoint}/`,
    stop() {
      stopped ??= new Promise<void>((resolveStop) => {
        server.close(() => resolveStop());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/** Emails the local SES server holds (GET /store), optionally only those sent at or after `since` (epoch seconds). */
export async function listSentEmails(endpoint: string, since?: number): Promise<SentEmail[]> {
  const url = new URL('/store', endpoint);
  if (since !== undefined) url.searchParams.set('since', String(Math.floor(since)));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  const store = (await response.json()) as { emails?: SentEmail[] };
  return store.emails ?? [];
}
