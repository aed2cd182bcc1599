// The one pub/sub every publisher (mutations, background fetchers) and every subscription goes through.
// Between instances: Redis pub/sub with REDIS_URL, else PostgreSQL LISTEN/NOTIFY when the database is
// PostgreSQL (src/store/pg-notify.ts), else in-process (one instance). Payloads must therefore survive JSON:
// dates travel as ISO strings. Between instances, what the pub/sub loses (an outage, a failed publish) is
// delivered from the event logs (src/pubsub-catch-up.ts).
import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type * as IoRedis from 'ioredis';
import type { AuditEvent } from './domain/audit-entry.js';
import type { IncidentEvent } from './domain/incident-event.js';
import type { Logger } from './logger.js';
import { CatchUpEventTarget, type EventTargetLike } from './pubsub-catch-up.js';
import type { SamlDetectionEvent } from './domain/saml-detection.js';
import type { StaAlertEvent } from './domain/sta-alert.js';
import type { AlertUpdateEvent } from './domain/triage.js';
import type { Database } from './store/database.js';
import type { ReplayableLog } from './store/event-log.js';

export type Topics = {
  'incident:event': [IncidentEvent];
  'saml:detection': [SamlDetectionEvent];
  /** An STA alert was recorded, or its playbook run or one of its steps changed. */
  'sta-alert:event': [StaAlertEvent];
  /** An audit entry was begun, recorded or completed (src/audit/). */
  'audit:event': [AuditEvent];
  /** An alert of any source was created or its triage (status, assignee, comments) or source record changed. */
  'alert:update': [AlertUpdateEvent];
};

export type GatewayPubSub = PubSub<Topics>;

export interface PubSubHandle {
  pubsub: GatewayPubSub;
  /** Delivers from this log what the pub/sub between instances loses of the topic (a no-op in-process). */
  follow(topic: keyof Topics, log: ReplayableLog<{ id: number; at: string }>): Promise<void>;
  close(): Promise<void>;
}

/** Redis when REDIS_URL is set, else PostgreSQL LISTEN/NOTIFY on a PostgreSQL database, else in-process. */
export async function createDeploymentPubSub(
  redisUrl: string | null,
  database: Database,
  databaseUrl: string | null,
  logger: Logger,
  catchUpMs: number,
): Promise<PubSubHandle> {
  // The catch-up needs the event log every instance writes to, so PostgreSQL: instances on SQLite (one each)
  // have logs of their own, whose ids say nothing about another instance's events.
  if (redisUrl) return await createRedisPubSub(redisUrl, logger, database.engine === 'postgres' ? catchUpMs : null);
  if (database.engine !== 'postgres' || !databaseUrl) return createInProcessPubSub();
  let catchUp: CatchUpEventTarget | null = null;
  // Loaded only here, with the PostgreSQL driver it needs, so SQLite and Redis deployments never load pg.
  const { createPgEventTarget } = await import('./store/pg-notify.js');
  const target = await createPgEventTarget(database, databaseUrl, (message) => logger.warn(message), (topic, detail) => catchUp?.publishFailed(topic, detail));
  catchUp = new CatchUpEventTarget(target, catchUpMs, logger);
  return catchUpHandle(catchUp, async () => {
    await catchUp.close();
    await target.close();
  });
}

/** One instance: nothing between instances to lose, so no catch-up. */
export function createInProcessPubSub(): PubSubHandle {
  // One listener per subscriber: thousands are normal, so no "possible memory leak" warning past 10.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return { pubsub: createPubSub<Topics>({ eventTarget }), follow: async () => {}, close: async () => {} };
}

async function createRedisPubSub(redisUrl: string, logger: Logger, catchUpMs: number | null): Promise<PubSubHandle> {
  // The Redis client is loaded only with REDIS_URL (a single instance starts without it).
  const { Redis } = await import('ioredis');
  const { createRedisEventTarget } = await import('@graphql-yoga/redis-event-target');
  // A publish gives up after two reconnection attempts (a fraction of a second; the catch-up delivers it), not
  // ioredis's default 20 (about 10 s, with publishes piling up); a subscribe waits for the reconnection, after
  // which ioredis subscribes again to every channel by itself.
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; say so in the log instead of crashing on an unhandled 'error' event.
  for (const c of [publishClient, subscribeClient]) c.on('error', (e: Error) => logger.warn({ err: e.message }, 'Redis pub/sub connection error'));
  let catchUp: CatchUpEventTarget | null = null;
  // The event target leaves the promises of publish and (un)subscribe unhandled: a Redis down for longer than
  // the retries would end the process with an unhandled rejection. These wrappers handle them.
  // One warning per outage, not one per event (a fetch can publish thousands a minute).
  let unpublished = 0;
  const publisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).then(
        (n) => {
          if (unpublished > 0) logger.info({ unpublished }, 'publishing to Redis works again');
          unpublished = 0;
          return n;
        },
        (e: Error) => {
          if (unpublished++ === 0) logger.warn({ topic: channel, err: e.message }, 'pub/sub events cannot be published to Redis: they are delivered from the event logs until it is back');
          catchUp?.publishFailed(channel, message === '' ? null : JSON.parse(message));
          return 0;
        },
      ),
  };
  const subscriber = {
    // The target registers only ('message', (channel, message) => …).
    on: (event: string, fn: (...args: any[]) => void) => (subscribeClient.on(event, fn), subscriber),
    subscribe: (channel: string) => subscribeClient.subscribe(channel).catch((e: Error) => logger.warn({ topic: channel, err: e.message }, 'Redis subscribe failed')),
    unsubscribe: (channel: string) => subscribeClient.unsubscribe(channel).catch((e: Error) => logger.warn({ topic: channel, err: e.message }, 'Redis unsubscribe failed')),
  };
  const redisTarget = createRedisEventTarget({ publishClient: publisher as unknown as IoRedis.Redis, subscribeClient: subscriber as unknown as IoRedis.Redis });
  const quit = async () => void (await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]));
  // Without a shared log (instances on SQLite) nothing is caught up, but a failed publish still reaches this
  // instance's own subscribers: the wrapper follows no topic and delivers such an event at once.
  catchUp = new CatchUpEventTarget(redisTarget as EventTargetLike, catchUpMs ?? 0, logger);
  const close = async () => {
    await catchUp.close();
    await quit();
  };
  const handle = catchUpHandle(catchUp, close);
  return catchUpMs === null ? { ...handle, follow: async () => {} } : handle;
}

/** The handle of a pub/sub whose lost events are delivered from the logs it follows. */
function catchUpHandle(target: CatchUpEventTarget, close: () => Promise<void>): PubSubHandle {
  return { pubsub: createPubSub<Topics>({ eventTarget: target as never }), follow: (topic, log) => target.follow(topic, log), close };
}
