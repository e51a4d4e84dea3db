/**
 * How the console talks to Heed: the same origin serves the page and the API (the twin; CloudFront
 * in AWS), so every call is a relative URL with the bearer token. GETs are conditional (ETag): a
 * poll that finds nothing new costs a 304 and no body.
 */
export interface ConsoleConfig {
  auth: { mode: 'token' } | { mode: 'cognito'; domain: string; clientId: string; scopes: string };
  /** The SLA policy's warning point, a fraction of the target (null: no warning step). */
  warningAt?: number | null;
  /** The local twin's sped-up SLA clock (absent: the wall clock). */
  clock?: { scale: number; epoch: number };
}

const TOKEN_KEY = 'heed.token';
const VERIFIER_KEY = 'heed.pkce';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
  keep: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
};

const cache = new Map<string, { etag: string; body: unknown }>();

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${session.token() ?? ''}` };
  const cached = method === 'GET' ? cache.get(path) : undefined;
  if (cached) headers['if-none-match'] = cached.etag;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 304 && cached) return cached.body as T;
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    if (response.status === 401) session.signOut();
    throw new ApiError(response.status, String(parsed['detail'] ?? parsed['message'] ?? response.statusText));
  }
  const etag = response.headers.get('etag');
  if (method === 'GET' && etag) cache.set(path, { etag, body: parsed });
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
};

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-cache' });
  return response.ok ? ((await response.json()) as ConsoleConfig) : { auth: { mode: 'token' } };
}

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** Sign-in with the stage's Cognito hosted UI: authorization code with PKCE (no client secret). */
export async function startSignIn(auth: Extract<ConsoleConfig['auth'], { mode: 'cognito' }>) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  // The deep link the user came for (an escalation's link) survives the round trip.
  sessionStorage.setItem(VERIFIER_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL('/oauth2/authorize', auth.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: `${location.origin}/`,
    scope: auth.scopes,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** Back from the hosted UI with ?code=…: trade it for tokens. True when signed in by it. */
export async function finishSignIn(auth: ConsoleConfig['auth']): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const kept = sessionStorage.getItem(VERIFIER_KEY);
  if (auth.mode !== 'cognito' || !code || !kept) return false;
  const { verifier, state, hash } = JSON.parse(kept) as { verifier: string; state: string; hash: string };
  sessionStorage.removeItem(VERIFIER_KEY);
  if (params.get('state') !== state) throw new Error('sign-in answer does not match this browser: try again');
  const response = await fetch(new URL('/oauth2/token', auth.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code,
      redirect_uri: `${location.origin}/`,
      code_verifier: verifier,
    }),
  });
  if (!response.ok) throw new Error(`sign-in failed (${response.status})`);
  session.keep(((await response.json()) as { access_token: string }).access_token);
  history.replaceState(null, '', `/${hash}`);
  return true;
}
