// API keys from SECGRAPH_API_KEYS. Keys are compared in constant time and never logged: a key's caller is
// named by its label (`ci-shipper:key=ingest`) or, without one, by a short hash of the key.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../auth.js';
import type { ApiKeyGrant } from '../config.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export class ApiKeys {
  private readonly keys: Array<{ hash: Buffer; principal: Principal }>;

  constructor(apiKeys: ReadonlyMap<string, ApiKeyGrant>) {
    this.keys = [...apiKeys].map(([key, { label, scopes }]) => {
      const hash = digest(key);
      return { hash, principal: { kind: 'API_KEY' as const, id: label ?? `key:${hash.toString('hex').slice(0, 8)}`, name: null, email: null, scopes } };
    });
  }

  get size(): number {
    return this.keys.length;
  }

  /** The principal of this key, or null. */
  find(key: string): Principal | null {
    const hash = digest(key);
    // Compare against every key so the time taken says nothing about which one nearly matched.
    let found: Principal | null = null;
    for (const k of this.keys) if (timingSafeEqual(k.hash, hash)) found = k.principal;
    return found;
  }
}
