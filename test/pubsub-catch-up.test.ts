// The catch-up's bookkeeping on a real event log (SQLite), under a stand-in for the pub/sub between instances:
// events the pub/sub never brings are delivered from the log after one interval of grace and in id order, a
// late copy is not delivered again, events arriving out of order are delivered in order, an event whose gap
// the log cannot fill is not held for ever, and what the log no longer keeps is passed over.
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { CatchUpEventTarget, type EventTargetLike } from '../src/pubsub-catch-up.js';
import { EventLog } from '../src/store/event-log.js';
import { databaseLocation, open } from './helpers/databases.js';

type E = { id: number; at: string; n: string };
const AT = '2026-12-03T12:00:00.000Z';

/** An in-process stand-in for Redis: `bring` is the pub/sub delivering an event to this instance. */
function pubsubStandIn() {
  const target = new EventTarget();
  return {
    inner: target as unknown as EventTargetLike,
    bring: (e: E) => target.dispatchEvent(new CustomEvent('t', { detail: e })),
  };
}

let catchUp: CatchUpEventTarget | null = null;
afterEach(async () => {
  await catchUp?.close();
});

async function setUp(maxEvents = 100) {
  const database = await open(await databaseLocation('sqlite'));
  const log = new EventLog<E>(database.db, 'test', 'test events', maxEvents);
  const append = (...names: string[]) => database.db.transaction().execute((trx) => log.append(trx, names.map((n) => ({ at: AT, n }))));
  await append('before'); // older than the instance: never delivered
  const { inner, bring } = pubsubStandIn();
  catchUp = new CatchUpEventTarget(inner, 60_000, createLogger('silent'));
  await catchUp.follow('t', log as never);
  const received: string[] = [];
  catchUp.addEventListener('t', (event) => received.push((event.detail as E).n));
  return { append, bring, received, target: catchUp };
}

it('delivers what the pub/sub never brought after one interval of grace, and not again when it comes late', async () => {
  const { append, bring, received, target } = await setUp();
  const [a, b, c] = await append('a', 'b', 'c');
  bring(a!);
  bring(c!);
  expect(received).toEqual(['a']); // c waits for b
  await target.catchUp(); // b is logged but this is its first check: left to the pub/sub
  expect(received).toEqual(['a']);
  await target.catchUp();
  expect(received).toEqual(['a', 'b', 'c']);
  bring(b!); // the late copy
  bring(c!); // a duplicate the pub/sub itself sent is not this layer's to drop
  await target.catchUp();
  expect(received).toEqual(['a', 'b', 'c', 'c']);
});

it('events arriving out of order are delivered in id order, none caught up', async () => {
  const { append, bring, received, target } = await setUp();
  const [a, b] = await append('a', 'b');
  bring(b!);
  expect(received).toEqual([]);
  bring(a!);
  expect(received).toEqual(['a', 'b']);
  await target.catchUp();
  await target.catchUp();
  expect(received).toEqual(['a', 'b']);
});

it('an event after a gap the log cannot fill is delivered after two checks', async () => {
  const { append, bring, received, target } = await setUp();
  const [a] = await append('a');
  bring({ ...a!, id: a!.id + 5, n: 'beyond the log' });
  await target.catchUp();
  expect(received).toEqual([]); // a has had no interval of grace yet, and the other waits for it
  await target.catchUp();
  expect(received).toEqual(['a', 'beyond the log']);
});

it('a failed publish reaches this instance at once and is not caught up again', async () => {
  const { append, received, target } = await setUp();
  const [a] = await append('a');
  target.publishFailed('t', a);
  await target.catchUp();
  await target.catchUp();
  expect(received).toEqual(['a']);
});

it('what the log no longer keeps is passed over, and the events after it still arrive', async () => {
  const { append, bring, received, target } = await setUp(2);
  await append('a', 'b', 'c'); // the log keeps b and c only
  await target.catchUp();
  await target.catchUp();
  expect(received).toEqual(['b', 'c']);
  const [d] = await append('d');
  bring(d!);
  await target.catchUp();
  await target.catchUp();
  expect(received).toEqual(['b', 'c', 'd']);
});
