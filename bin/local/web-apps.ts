import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signLocalToken } from './local-jwt';

/**
 * The storefront (`/`) and the merchant console (`/admin/`) on the API's origin, as CloudFront
 * serves them from S3 in AWS: files from `web/dist`, an app's `index.html` for any other path
 * without a file extension (the apps route in the browser), the same security headers, and
 * `/config.json`. Local only: `GET /local/identities` and `POST /local/sign-in`, the "sign in
 * as" picker's token route (HS256 with the gateway's secret), which does not exist in AWS,
 * where the apps sign in through the Cognito hosted UI.
 */
/** Where `npm run web:build` writes the apps (web/build.ts). */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface WebAppsOptions {
  readonly distDir: string;
  readonly jwtSecret: string;
  readonly shopId: string;
  /** Who the picker offers. */
  readonly identities: readonly LocalIdentity[];
  /** The local email inbox (bin/local/ses.ts), linked from the console. */
  readonly inboxUrl?: string;
}

export interface LocalIdentity {
  readonly sub: string;
  readonly name: string;
  readonly email?: string;
  readonly role: 'customer' | 'staff';
}

/** The demo shop's people: customers, and one member of staff with the admin group for the shop. */
export function demoIdentities(shopId: string): LocalIdentity[] {
  return [
    { sub: 'alice', name: 'Alice (customer)', email: 'alice@example.com', role: 'customer' },
    { sub: 'bob', name: 'Bob (customer)', email: 'bob@example.com', role: 'customer' },
    { sub: 'carol', name: 'Carol (customer)', email: 'carol@example.com', role: 'customer' },
    { sub: `${shopId}-admin`, name: `Sam (staff of ${shopId})`, email: `staff@${shopId}.example.com`, role: 'staff' },
  ];
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The headers CloudFront's response headers policy adds in AWS (lib/), so the apps meet the same CSP locally. */
export const WEB_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

const MAX_SIGN_IN_BODY = 4096;

export type WebAppsHandler = (req: IncomingMessage, res: ServerResponse, method: string, url: URL) => Promise<boolean>;

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: code, status, code, detail }));
}

async function readSmallBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_SIGN_IN_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Answers the web apps' paths; `false` for everything else (the API's `/v1/…`). */
export function webApps(options: WebAppsOptions): WebAppsHandler {
  const root = normalize(options.distDir + sep);
  const config = JSON.stringify({ apiBase: '/v1', shopId: options.shopId, auth: { kind: 'local' }, ...(options.inboxUrl ? { inboxUrl: options.inboxUrl } : {}) });

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readSmallBody(req);
    if (raw === undefined) return problem(res, 413, 'payload_too_large', `The sign-in body exceeds ${MAX_SIGN_IN_BODY} bytes.`);
    let sub: unknown;
    try {
      sub = (JSON.parse(raw) as { sub?: unknown }).sub;
    } catch {
      return problem(res, 400, 'validation_failed', 'Send JSON: {"sub": "<one of GET /local/identities>"}.');
    }
    const identity = options.identities.find((candidate) => candidate.sub === sub);
    if (!identity) return problem(res, 400, 'validation_failed', `Unknown identity ${JSON.stringify(sub)}: choose one of ${options.identities.map((i) => i.sub).join(', ')}.`);
    const staff = identity.role === 'staff';
    const token = await signLocalToken(
      { sub: identity.sub, ...(identity.email ? { email: identity.email } : {}), groups: staff ? ['admin'] : [], shops: staff ? [options.shopId] : [] },
      options.jwtSecret,
    );
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ token }));
  }

  function sendFile(res: ServerResponse, method: string, file: string, immutable: boolean): void {
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      ...WEB_SECURITY_HEADERS,
      'content-type': type,
      'content-length': String(statSync(file).size),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  return async (req, res, method, url) => {
    const path = url.pathname;
    if (path === '/v1' || path.startsWith('/v1/')) return false;
    if (path === '/local/identities' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ identities: options.identities }));
      return true;
    }
    if (path === '/local/sign-in') {
      if (method !== 'POST') return (problem(res, 405, 'method_not_allowed', 'Use POST.'), true);
      await signIn(req, res);
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') return false;
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(config);
      return true;
    }
    if (!existsSync(join(root, 'index.html'))) {
      problem(res, 503, 'web_apps_not_built', 'The storefront and console are not built: run `npm run web:build` (npm start does it on its own).');
      return true;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return (problem(res, 400, 'bad_path', 'The path is not valid percent-encoding.'), true);
    }
    const file = normalize(join(root, decoded));
    if (!file.startsWith(root)) return (problem(res, 404, 'not_found', 'No such file.'), true);
    if (existsSync(file) && statSync(file).isFile()) {
      sendFile(res, method, file, decoded.startsWith('/assets/'));
      return true;
    }
    // A path with an extension that has no file is a missing file; any other path is a page of an app.
    if (extname(decoded) !== '') return (problem(res, 404, 'not_found', `No file ${decoded}.`), true);
    const app = decoded === '/admin' || decoded.startsWith('/admin/') ? 'admin/index.html' : 'index.html';
    sendFile(res, method, join(root, app), false);
    return true;
  };
}
