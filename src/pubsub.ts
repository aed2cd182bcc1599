// The one pub/sub every publisher (mutations, background fetchers) and every subscription goes through.
// Between instances: Redis pub/sub with REDIS_URL, else PostgreSQL LISTEN/NOTIFY when the database is
// PostgreSQL (src/store/pg-notify.ts), else in-process (one instance). Payloads must therefore survive JSON:
// dates travel as ISO strings.
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type * as RedisEventTarget from '@graphql-yoga/redis-event-target';
import type * as IoRedis from 'ioredis';
import type { IncidentEvent } from './domain/incident-event.js';
import type { Logger } from './logger.js';
import type { SamlDetectionEvent } from './domain/saml-detection.js';
import type { StaAlertEvent } from './domain/sta-alert.js';
import type { Database } from './store/database.js';
import { createPgEventTarget } from './store/pg-notify.js';

export type Topics = {
  'incident:event': [IncidentEvent];
  'saml:detection': [SamlDetectionEvent];
  /** An STA alert was recorded, or its playbook run or one of its steps changed. */
  'sta-alert:event': [StaAlertEvent];
};

export type GatewayPubSub = PubSub<Topics>;

export interface PubSubHandle {
  pubsub: GatewayPubSub;
  close(): Promise<void>;
}

/** Redis when REDIS_URL is set, else PostgreSQL LISTEN/NOTIFY on a PostgreSQL database, else in-process. */
export async function createDeploymentPubSub(redisUrl: string | null, database: Database, databaseUrl: string | null, logger: Logger): Promise<PubSubHandle> {
  if (redisUrl || database.engine !== 'postgres' || !databaseUrl) return createGatewayPubSub(redisUrl, logger);
  const target = await createPgEventTarget(database, databaseUrl, (message) => logger.warn(message));
  return { pubsub: createPubSub<Topics>({ eventTarget: target as never }), close: () => target.close() };
}

export function createGatewayPubSub(redisUrl: string | null, logger?: Logger): PubSubHandle {
  if (!redisUrl) {
    // One listener per subscriber: thousands are normal, so no "possible memory leak" warning past 10.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { pubsub: createPubSub<Topics>({ eventTarget }), close: async () => {} };
  }
  // The Redis client is loaded only with REDIS_URL (a single instance starts without it); require keeps this sync.
  const require = createRequire(import.meta.url);
  const { Redis } = require('ioredis') as typeof IoRedis;
  const { createRedisEventTarget } = require('@graphql-yoga/redis-event-target') as typeof RedisEventTarget;
  const publishClient = new Redis(redisUrl);
  const subscribeClient = new Redis(redisUrl);
  // ioredis reconnects by itself; say so in the log instead of crashing on an unhandled 'error' event.
  for (const c of [publishClient, subscribeClient]) c.on('error', (e: Error) => logger?.warn({ err: e.message }, 'Redis pub/sub connection error'));
  const pubsub = createPubSub<Topics>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  return {
    pubsub,
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
