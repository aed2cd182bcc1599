// API-key authentication. Keys come from SECGRAPH_API_KEYS; clients send `Authorization: Bearer <key>` (HTTP)
// or the same value in graphql-ws `connectionParams.authorization`. Keys are compared in constant time and
// never logged: a principal is named by a short hash of its key.
import { createHash, timingSafeEqual } from 'node:crypto';
import { SCOPES, type Scope } from './config.js';

export interface Principal {
  /** OPEN (no keys configured), API_KEY, or USER (an identity provider's token; src/identity/). */
  kind: 'OPEN' | 'API_KEY' | 'USER';
  /** Non-secret label for logs: `key:<8 hex of sha256>` (or the key's label), a token's `sub`, or `open`. */
  id: string;
  /** Display name and email (a token's standard claims); null for keys. */
  name: string | null;
  email: string | null;
  scopes: ReadonlySet<Scope>;
}

export type AuthResult = { principal: Principal } | { principal: null; reason: 'missing' | 'invalid' };

const OPEN: Principal = { kind: 'OPEN', id: 'open', name: null, email: null, scopes: new Set(SCOPES) };

const digest = (s: string) => createHash('sha256').update(s).digest();

export class ApiKeyAuthenticator {
  private readonly keys: Array<{ hash: Buffer; principal: Principal }>;

  constructor(apiKeys: ReadonlyMap<string, ReadonlySet<Scope>>) {
    this.keys = [...apiKeys].map(([key, scopes]) => {
      const hash = digest(key);
      return { hash, principal: { kind: 'API_KEY' as const, id: `key:${hash.toString('hex').slice(0, 8)}`, name: null, email: null, scopes } };
    });
  }

  get open(): boolean {
    return this.keys.length === 0;
  }

  /** `authorization` is the raw header or connectionParams value: `Bearer <key>` (the bare key is accepted too). */
  authenticate(authorization: unknown): AuthResult {
    if (this.open) return { principal: OPEN };
    if (typeof authorization !== 'string' || !authorization.trim()) return { principal: null, reason: 'missing' };
    const key = authorization.trim().replace(/^Bearer\s+/i, '');
    const hash = digest(key);
    // Compare against every key so the time taken says nothing about which one nearly matched.
    let found: Principal | null = null;
    for (const k of this.keys) if (timingSafeEqual(k.hash, hash)) found = k.principal;
    return found ? { principal: found } : { principal: null, reason: 'invalid' };
  }
}
