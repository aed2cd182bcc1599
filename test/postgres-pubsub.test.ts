// Events between instances without Redis: on PostgreSQL the pub/sub goes through LISTEN/NOTIFY. Two
// instances (two pools, two listening connections) on one database: each event reaches the subscribers of
// both once, in order, large payloads included (NOTIFY's 8000-byte limit is worked around).
import { afterAll, expect, it } from 'vitest';
import type { IncidentEvent } from '../src/domain/incident-event.js';
import { createLogger } from '../src/logger.js';
import { createDeploymentPubSub, type PubSubHandle } from '../src/pubsub.js';
import { databaseLocation, open } from './helpers/databases.js';
import { waitUntil } from './helpers/subscribers.js';

const handles: PubSubHandle[] = [];
afterAll(async () => {
  for (const h of handles) await h.close();
});

const event = (id: number, assetName = `file-${id}`): IncidentEvent => ({ id, kind: 'FETCHED', changedFields: [], at: '2026-03-10T12:00:00.000Z', incident: { incidentId: id, assetName } as never });

it('every instance receives each event once, in order, large ones too', async () => {
  const where = await databaseLocation('postgres');
  const logger = createLogger('silent');
  const instances = await Promise.all([0, 1].map(async () => createDeploymentPubSub(null, await open(where), where.databaseUrl, logger, 60_000)));
  handles.push(...instances);
  const received: IncidentEvent[][] = [[], []];
  instances.forEach((h, i) => {
    void (async () => {
      for await (const e of h.pubsub.subscribe('incident:event')) received[i]!.push(e);
    })();
  });
  // The subscriptions listen once their loops have started; then publish from the first instance only.
  await new Promise((r) => setTimeout(r, 200));
  const sent = [event(1), event(2, 'x'.repeat(20_000)), event(3)];
  for (const e of sent) instances[0]!.pubsub.publish('incident:event', e);
  await waitUntil(() => received.every((r) => r.length >= 3), 'the events on both instances');
  await new Promise((r) => setTimeout(r, 200));
  for (const r of received) expect(r).toEqual(sent);
});
