// Who is calling: the contract every room reads (context, limits, the audit log's actor). Principals are made
// in src/identity/: API keys (api-keys.ts), an identity provider's bearer tokens (oidc-verifier.ts), both
// behind one Authenticator (authenticator.ts).
import type { Scope } from './config.js';

export interface Principal {
  /** OPEN (no keys and no identity provider configured), API_KEY, or USER (an identity provider's token). */
  kind: 'OPEN' | 'API_KEY' | 'USER';
  /** Non-secret label for logs and limits: the key's label (or `key:<8 hex of sha256>`), a token's `sub`, or `open`. */
  id: string;
  /** Display name and email (a token's standard claims); null for keys. */
  name: string | null;
  email: string | null;
  scopes: ReadonlySet<Scope>;
}

/** Why a request has no principal: `missing` (no credentials) or `invalid`, with a message that says why (never the credential). */
export type AuthFailure = { principal: null; reason: 'missing' | 'invalid'; message: string; /** A token that was valid and has expired: renew it. */ expired?: boolean };

export type AuthResult =
  | {
      principal: Principal;
      /** Epoch ms after which the credential is no longer accepted (a token's exp plus the clock tolerance); absent for keys. */
      expiresAt?: number;
    }
  | AuthFailure;
