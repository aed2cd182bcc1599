// One upstream call per cache miss across gateway instances sharing a Redis cache. The instance that misses
// first claims the key (SET NX with an expiry); the others wait for the value it stores, or for its claim to
// end (released, or expired if it died), and then compute it themselves. Written here rather than taken from
// a lock library: it is one SET NX and one compare-and-delete, and a waiter never needs the lock itself,
// only the value.
import { randomUUID } from 'node:crypto';

/** The few Redis commands the claim uses (node-redis's client, as @keyv/redis holds it). */
export interface ClaimRedis {
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  exists(key: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** How long a claim lives when its holder never releases it (a killed instance). */
export const CLAIM_TTL_MS = 10_000;
/** How often a waiter looks for the value. */
export const CLAIM_POLL_MS = 25;

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class MissClaims {
  constructor(
    /** The connected client (@keyv/redis's getClient()). */
    private readonly redis: () => Promise<ClaimRedis>,
    private readonly ttlMs = CLAIM_TTL_MS,
  ) {}

  private keyOf(namespace: string, key: string): string {
    return `secgraph:miss-claim:${namespace}:${key}`;
  }

  /** Claims the miss; the release function, or null when another instance holds it. */
  async claim(namespace: string, key: string): Promise<(() => Promise<void>) | null> {
    const claimKey = this.keyOf(namespace, key);
    const token = randomUUID();
    const won = await (await this.redis()).set(claimKey, token, { condition: 'NX', expiration: { type: 'PX', value: this.ttlMs } });
    if (won !== 'OK') return null;
    return async () => {
      await (await this.redis()).eval(RELEASE, { keys: [claimKey], arguments: [token] });
    };
  }

  /** Whether another instance still holds the claim. */
  async held(namespace: string, key: string): Promise<boolean> {
    return (await (await this.redis()).exists(this.keyOf(namespace, key))) > 0;
  }
}
