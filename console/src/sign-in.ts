// Signing in through the SOC's identity provider: the authorization code flow with PKCE as a public client
// (oauth4webapi), when the gateway names a provider and the console's client (GET /console/config.json).
// - Tokens live in this tab only (sessionStorage): never in the URL (the code and state are removed from it
//   as soon as they are read) and never in a cookie.
// - Before the access token expires it is renewed with the refresh token; listeners (the console's
//   connections) are told, so live views resubscribe with `after` on a socket that carries the new token.
//   Without a refresh token, the console asks the user to sign in again before it expires.
import * as oauth from 'oauth4webapi';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  scopes: string;
}

interface Tokens {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms. */
  expiresAt: number;
  idToken: string | null;
}

interface Pending {
  state: string;
  verifier: string;
  /** The view to come back to (#/incident/42). */
  hash: string;
}

const TOKENS = 'secgraph.oidc.tokens';
const PENDING = 'secgraph.oidc.pending';

/** The console's own address, registered with the provider as the client's redirect URI. */
export const redirectUri = (): string => new URL('/console/', location.href).toString();

let settings: OidcSettings | null = null;
let server: oauth.AuthorizationServer | null = null;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
const renewedListeners = new Set<() => void>();
const expiringListeners = new Set<(at: number) => void>();

const insecure = (issuer: string) => ({ [oauth.allowInsecureRequests]: new URL(issuer).protocol === 'http:' });
const client = (): oauth.Client => ({ client_id: settings!.clientId });

function readTokens(): Tokens | null {
  const raw = sessionStorage.getItem(TOKENS);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Tokens;
  } catch {
    return null;
  }
}

function saveTokens(r: oauth.TokenEndpointResponse, previous: Tokens | null): Tokens {
  const tokens: Tokens = {
    accessToken: r.access_token,
    // A provider that does not rotate refresh tokens sends none on refresh: keep the one we have.
    refreshToken: r.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: Date.now() + (r.expires_in ?? 300) * 1000,
    idToken: r.id_token ?? previous?.idToken ?? null,
  };
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
  scheduleRenewal(tokens);
  return tokens;
}

/** The gateway's sign-in settings; null when it has no identity provider for the console. */
export async function loadSettings(): Promise<OidcSettings | null> {
  if (settings) return settings;
  try {
    const res = await fetch(new URL('/console/config.json', location.href), { credentials: 'same-origin' });
    const body = (await res.json()) as { oidc: OidcSettings | null };
    settings = body.oidc;
  } catch {
    settings = null;
  }
  return settings;
}

async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  if (server) return server;
  const issuer = new URL(settings!.issuer);
  server = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure(settings!.issuer)));
  return server;
}

/** The access token to send, when signed in. */
export function accessToken(): string | null {
  return readTokens()?.accessToken ?? null;
}

export const signedIn = (): boolean => readTokens() !== null;

/** Leaves for the provider's sign-in page; the console comes back to redirectUri with a code. */
export async function signIn(): Promise<void> {
  const as = await authorizationServer();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const pending: Pending = { state, verifier, hash: location.hash };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', settings!.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', settings!.scopes);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  location.assign(url.toString());
}

/**
 * Back from the provider (?code=…&state=… on this page): exchanges the code for tokens and takes the code
 * out of the URL. False when this load is not a sign-in's return; throws when the provider refused.
 */
export async function completeSignIn(): Promise<boolean> {
  const current = new URL(location.href);
  const raw = sessionStorage.getItem(PENDING);
  if (!raw || (!current.searchParams.has('code') && !current.searchParams.has('error'))) return false;
  sessionStorage.removeItem(PENDING);
  const pending = JSON.parse(raw) as Pending;
  // Whatever happens next, the code and state leave the address bar and the history entry.
  history.replaceState(null, '', `${current.pathname}${pending.hash}`);
  const as = await authorizationServer();
  const params = oauth.validateAuthResponse(as, client(), current, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client(), oauth.None(), params, redirectUri(), pending.verifier, insecure(settings!.issuer));
  saveTokens(await oauth.processAuthorizationCodeResponse(as, client(), response), null);
  return true;
}

/** Renews ahead of expiry: a quarter of the token's life before it ends, and at most a minute before. */
function scheduleRenewal(tokens: Tokens): void {
  clearTimeout(renewTimer);
  const left = tokens.expiresAt - Date.now();
  const lead = Math.min(60_000, Math.max(left / 4, 1000));
  renewTimer = setTimeout(() => void renew(), Math.max(0, left - lead));
}

/** Exchanges the refresh token for a fresh access token; without one, tells the console the session is ending. */
export async function renew(): Promise<boolean> {
  const tokens = readTokens();
  if (!tokens || !settings) return false;
  if (!tokens.refreshToken) {
    for (const l of expiringListeners) l(tokens.expiresAt);
    return false;
  }
  try {
    const as = await authorizationServer();
    const response = await oauth.refreshTokenGrantRequest(as, client(), oauth.None(), tokens.refreshToken, insecure(settings.issuer));
    saveTokens(await oauth.processRefreshTokenResponse(as, client(), response), tokens);
  } catch {
    for (const l of expiringListeners) l(tokens.expiresAt);
    return false;
  }
  for (const l of renewedListeners) l();
  return true;
}

/** Called after every renewal (the console reconnects its socket with the new token). */
export function onRenewed(listener: () => void): () => void {
  renewedListeners.add(listener);
  return () => renewedListeners.delete(listener);
}

/** Called when the session will end without renewal (no refresh token, or the provider refused it). */
export function onExpiring(listener: (at: number) => void): () => void {
  expiringListeners.add(listener);
  return () => expiringListeners.delete(listener);
}

/** A signed-in tab reloaded: keeps renewing. */
export function resumeSession(): void {
  const tokens = readTokens();
  if (tokens) scheduleRenewal(tokens);
}

/** Forgets the tokens (this tab). The provider's own session is left as it is. */
export function signOut(): void {
  clearTimeout(renewTimer);
  sessionStorage.removeItem(TOKENS);
  sessionStorage.removeItem(PENDING);
}
