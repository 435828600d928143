/**
 * Who is signed in, and how to sign in: the web apps' side of authentication. The token is the
 * API's bearer token (locally an HS256 token from the local runtime's sign-in route; in AWS the
 * Cognito ID token from the hosted UI, code grant with PKCE). Kept in localStorage so that a
 * reload or a second tab stays signed in; it expires with the token.
 */
export interface Session {
  readonly token: string;
  readonly sub: string;
  readonly email?: string;
  readonly groups: readonly string[];
  readonly shops: readonly string[];
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** `/config.json`: written by the deployment in AWS, answered by the local runtime locally. */
export interface WebConfig {
  readonly apiBase: string;
  readonly shopId: string;
  readonly auth: { readonly kind: 'local' } | { readonly kind: 'cognito'; readonly domain: string; readonly clientId: string; readonly redirectPath: string };
  /** Local runtime only: the email inbox (what the platform's emails would have been), linked from the console. */
  readonly inboxUrl?: string;
}

/** A demo identity the local sign-in picker offers (local runtime only). */
export interface LocalIdentity {
  readonly sub: string;
  readonly name: string;
  readonly email?: string;
  readonly role: 'customer' | 'staff';
}

const SESSION_KEY = 'commerce.session';
const PKCE_KEY = 'commerce.pkce';
const listeners = new Set<(session: Session | undefined) => void>();
let config: Promise<WebConfig> | undefined;

export function loadConfig(): Promise<WebConfig> {
  config ??= fetch('/config.json', { headers: { accept: 'application/json' } }).then(async (response) => {
    if (!response.ok) throw new Error(`The app's configuration (/config.json) could not be loaded (HTTP ${response.status}).`);
    return (await response.json()) as WebConfig;
  });
  return config;
}

export function currentSession(): Session | undefined {
  const raw = localStorage.getItem(SESSION_KEY);
  if (!raw) return undefined;
  try {
    const session = JSON.parse(raw) as Session;
    if (session.expiresAt > Date.now() + 30_000) return session;
  } catch {
    // a damaged entry: treated as signed out
  }
  localStorage.removeItem(SESSION_KEY);
  return undefined;
}

/** Called with the new session (or undefined) on sign-in and sign-out, in this tab and others. */
export function onSessionChange(listener: (session: Session | undefined) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

window.addEventListener('storage', (event) => {
  if (event.key === SESSION_KEY) for (const listener of listeners) listener(currentSession());
});

function setSession(session: Session | undefined): void {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
  for (const listener of listeners) listener(session);
}

/** The claims the API reads (sub, groups, shops; Cognito's spellings too). The API checks the signature. */
export function sessionFromToken(token: string): Session {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('The sign-in answered a token that is not a JWT.');
  const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' && value ? value.split(/[ ,]+/) : []);
  return {
    token,
    sub: String(claims.sub),
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
    groups: list(claims.groups ?? claims['cognito:groups']),
    shops: list(claims.shops ?? claims['custom:shops']),
    expiresAt: Number(claims.exp) * 1000,
  };
}

export function isStaffOf(session: Session | undefined, shopId: string): boolean {
  return !!session && session.groups.includes('admin') && session.shops.includes(shopId);
}

/** Local runtime only: the identities of the "sign in as" picker. */
export async function listLocalIdentities(): Promise<LocalIdentity[]> {
  const response = await fetch('/local/identities');
  if (!response.ok) throw new Error(`The local sign-in is not available (HTTP ${response.status}).`);
  return ((await response.json()) as { identities: LocalIdentity[] }).identities;
}

/** Local runtime only: signs in as one of the demo identities. */
export async function signInLocally(sub: string): Promise<Session> {
  const response = await fetch('/local/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) });
  const body = (await response.json()) as { token?: string; detail?: string };
  if (!response.ok || !body.token) throw new Error(body.detail ?? `Sign-in failed (HTTP ${response.status}).`);
  const session = sessionFromToken(body.token);
  setSession(session);
  return session;
}

export function signOut(): void {
  setSession(undefined);
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * AWS: to the Cognito hosted UI (authorization code with PKCE); it comes back to `redirectPath`
 * (the storefront's `/auth/callback` from the config; the console passes its own `/admin/auth/callback`).
 */
export async function startHostedSignIn(auth: Extract<WebConfig['auth'], { kind: 'cognito' }>, returnTo: string, redirectPath: string = auth.redirectPath): Promise<void> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: `${location.origin}${redirectPath}`,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`https://${auth.domain}/oauth2/authorize?${query.toString()}`);
}

/** AWS: on the callback page, trades the code for tokens; answers where to go next. */
export async function completeHostedSignIn(auth: Extract<WebConfig['auth'], { kind: 'cognito' }>, redirectPath: string = auth.redirectPath): Promise<string> {
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PKCE_KEY);
  if (params.get('error')) throw new Error(`Sign-in was refused: ${params.get('error_description') ?? params.get('error')}.`);
  const code = params.get('code');
  if (!code || !saved || params.get('state') !== saved.state) throw new Error('This sign-in link is stale or was not started here. Sign in again.');
  const response = await fetch(`https://${auth.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: auth.clientId, code, redirect_uri: `${location.origin}${redirectPath}`, code_verifier: saved.verifier }),
  });
  if (!response.ok) throw new Error(`Sign-in could not be completed (HTTP ${response.status}). Sign in again.`);
  const tokens = (await response.json()) as { id_token: string };
  setSession(sessionFromToken(tokens.id_token));
  return saved.returnTo;
}
