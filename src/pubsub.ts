// The one pub/sub every publisher (mutations, background fetchers) and every subscription goes through.
// In-process by default; with REDIS_URL a Redis event target lets several gateway instances share events.
// Payloads must therefore survive JSON: dates travel as ISO strings.
import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { IncidentEvent } from './domain/incident-event.js';

export type Topics = {
  'incident:event': [IncidentEvent];
};

export type GatewayPubSub = PubSub<Topics>;

export interface PubSubHandle {
  pubsub: GatewayPubSub;
  close(): Promise<void>;
}

export function createGatewayPubSub(redisUrl: string | null): PubSubHandle {
  if (!redisUrl) {
    // One listener per subscriber: thousands are normal, so no "possible memory leak" warning past 10.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { pubsub: createPubSub<Topics>({ eventTarget }), close: async () => {} };
  }
  const publishClient = new Redis(redisUrl);
  const subscribeClient = new Redis(redisUrl);
  const pubsub = createPubSub<Topics>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  return {
    pubsub,
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
