// The storage layer on both engines (SQLite file, PostgreSQL): migrations and the schema check, and each
// table family's guarantees — atomic commits with their events, event ids from the database shared by
// every instance, keyset listings, claims that only one writer wins, and matches counted once. "Two
// instances" are two Database handles on the same database, as two gateway processes would hold.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { WireIncident } from '../src/connectors/saas-security/wire.js';
import type { IncidentEvent } from '../src/domain/incident-event.js';
import type { StaAlert } from '../src/domain/sta-alert.js';
import { IncidentStore, type StoredIncident } from '../src/store/incident-store.js';
import { FileMarks } from '../src/store/file-marks.js';
import { MailCursors } from '../src/store/mail-cursors.js';
import { SamlAlertTables, type AlertWindow } from '../src/store/saml-alerts.js';
import { SuppressedMatches } from '../src/store/saml-suppressed.js';
import { StaAlertRows, StaleAlertError } from '../src/store/sta-alerts.js';
import { migrateTo } from '../src/store/database.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';

/** Every migration name in order, and those after `name` (later waves add theirs: the tests need not list them). */
const ALL_MIGRATIONS = Object.keys(MIGRATIONS).sort();
const migrationsAfter = (name: string) => ALL_MIGRATIONS.filter((n) => n > name);
import { databaseLocation, ENGINES, open, openTwo } from './helpers/databases.js';

const wire = (id: number): WireIncident => ({
  incident_id: id,
  app_id: 'app',
  app_name: 'Box 1',
  asset_name: `file-${id}`,
  severity: 'High',
  state: 'open',
  status: 'Open-New',
  category: 'new',
  created_at: '2026-03-10T12:00:00.000Z',
  updated_at: '2026-03-10T12:00:00.000Z',
});
const record = (id: number, direction: 'None' | 'Incoming' = 'None', fetchedAt = '2026-03-10T12:00:00.000Z'): StoredIncident => ({
  wire: wire(id),
  gateway: { mirrorDirection: direction, fetchedAt, lastMirroredAt: null, mirrorError: null, gatewayState: 'OPEN', closeReason: null },
});
const fetched = (r: StoredIncident): Omit<IncidentEvent, 'id'> => ({ kind: 'FETCHED', incident: { incidentId: r.wire.incident_id } as never, changedFields: [], at: r.gateway.fetchedAt });
const state = { windowStart: 'w', cursor: 'c1', mirrorCursor: 'm', fetchedTotal: 1, lastRunAt: null, lastError: null };

function alert(id: string, recordedAt: string, extra: Partial<StaAlert> = {}): StaAlert {
  return {
    id,
    kind: 'PUSH_REJECTION',
    userName: 'DemoUser',
    instanceName: null,
    tenantName: null,
    subject: 's',
    messageId: null,
    sentAt: null,
    receivedAt: null,
    recordedAt,
    unlockAt: null,
    state: 'OPEN',
    closedAt: null,
    closeReason: null,
    closeNotes: null,
    problem: null,
    source: 'INBOX/1/1',
    run: null,
    ...extra,
  } as StaAlert;
}

describe.each(ENGINES)('store on %s', (engine) => {
  describe('migrations', () => {
    it('migrates a new database once, and a second open finds the schema current', async () => {
      const where = await databaseLocation(engine);
      const first = await open(where);
      expect(first.engine).toBe(engine);
      expect(first.migrated).toEqual(ALL_MIGRATIONS);
      expect(ALL_MIGRATIONS.slice(0, 5)).toEqual(['001-initial', '002-pubsub-overflow', '003-incident-activity', '004-saml-suppressed', '005-incident-open']);
      await first.close();
      const second = await open(where);
      expect(second.migrated).toEqual([]);
    });

    it('003 gives the incidents of an older database their last activity, and rolls back', async () => {
      const where = await databaseLocation(engine);
      const db = await open(where);
      expect((await migrateTo(db, '002-pubsub-overflow')).results?.map((r) => [r.migrationName, r.direction])).toEqual(
        migrationsAfter('002-pubsub-overflow')
          .reverse()
          .map((n) => [n, 'Down']),
      );
      const closed = record(7, 'None', '2026-01-01T00:00:00.000Z');
      closed.gateway.gatewayState = 'CLOSED';
      const stillOpen = record(8, 'None', '2026-01-01T00:00:00.000Z');
      // A string value holding the same text is escaped in the JSON body and must not read as closed.
      stillOpen.wire.asset_name = '"gatewayState":"CLOSED"';
      for (const r of [closed, stillOpen]) {
        await sql`insert into incidents (scope, incident_id, incoming, fetched_at, body) values ('saas', ${r.wire.incident_id}, 0, '2026-01-01T00:00:00.000Z', ${JSON.stringify(r)})`.execute(db.db);
      }
      await db.close();
      const upgraded = await open(where);
      expect(upgraded.migrated).toEqual(migrationsAfter('002-pubsub-overflow'));
      const rows = await upgraded.db.selectFrom('incidents').select(['incident_id', 'last_activity_at', 'open']).orderBy('incident_id').execute();
      expect(rows).toEqual([
        { incident_id: 7, last_activity_at: '2026-01-01T00:00:00.000Z', open: 0 },
        { incident_id: 8, last_activity_at: '2026-01-01T00:00:00.000Z', open: 1 },
      ]);
      // 009: the one tenant's rows ('saas') are the default tenant's now.
      expect((await IncidentStore.open(upgraded)).scope).toBe('saas:default');
      expect((await (await IncidentStore.open(upgraded)).pruneBefore('2026-02-01T00:00:00.000Z')).incidents).toBe(1);
    });

    it('refuses to start on a database migrated by a newer secgraph, saying so', async () => {
      const where = await databaseLocation(engine);
      const db = await open(where);
      await sql`insert into secgraph_migration (name, timestamp) values ('999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(db.db);
      await db.close();
      await expect(open(where)).rejects.toThrow(`newer schema than this secgraph knows (it has run migration 999-from-the-future; this build knows up to ${ALL_MIGRATIONS.at(-1)})`);
    });
  });

  describe('incident records and their event log', () => {
    it('commits incidents, state and events together, and reads them back through the keys', async () => {
      const db = await open(await databaseLocation(engine));
      const store = await IncidentStore.open(db);
      const records = [record(1), record(2, 'Incoming'), record(3)];
      const events = await store.commit(records, state, records.map(fetched));
      expect(events.map((e) => e.id)).toEqual([1, 2, 3]);
      expect(await store.size()).toBe(3);
      expect(await store.state()).toEqual(state);
      expect(await store.get(2)).toEqual(records[1]);
      expect(await store.get(9)).toBeUndefined();
      expect([...(await store.known([1, 3, 9]))].sort()).toEqual([1, 3]);
      expect(await store.hasIncomingIncidents()).toBe(true);
      // An update replaces the row (and its indexed columns).
      await store.commit([record(2)]);
      expect(await store.hasIncomingIncidents()).toBe(false);
      const ids: number[] = [];
      for await (const r of store.incidents()) ids.push(r.wire.incident_id);
      expect(ids).toEqual([1, 2, 3]);
    });

    it('writes nothing of a commit that fails', async () => {
      const db = await open(await databaseLocation(engine));
      const store = await IncidentStore.open(db);
      const broken = { ...record(5), wire: { ...wire(5), incident_id: null as unknown as number } };
      await expect(store.commit([record(4), broken], state, [fetched(record(4))])).rejects.toThrow();
      expect([await store.size(), await store.state(), await store.events.lastId()]).toEqual([0, undefined, 0]);
    });

    it('two instances committing at once get distinct, gapless event ids from the database', async () => {
      const where = await databaseLocation(engine);
      const [da, db] = await openTwo(engine, where);
      const [a, b] = [await IncidentStore.open(da), await IncidentStore.open(db)];
      const batches = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).commit([record(100 + i)], undefined, [fetched(record(100 + i)), fetched(record(100 + i))])),
      );
      const ids = batches.flat().map((e) => e.id).sort((x, y) => x - y);
      expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // Each batch's ids are consecutive, and both instances read the same log.
      for (const batch of batches) expect(batch[1]!.id).toBe(batch[0]!.id + 1);
      expect((await a.events.since(0, 1000)).map((e) => e.id)).toEqual((await b.events.since(0, 1000)).map((e) => e.id));
      expect(await a.events.lastId()).toBe(40);
    });

    it('keeps the last maxEvents events and refuses a resume from before them', async () => {
      const db = await open(await databaseLocation(engine));
      const store = await IncidentStore.open(db, { maxEvents: 5 });
      for (let i = 1; i <= 8; i++) await store.commit([], undefined, [fetched(record(i))]);
      expect([await store.events.size(), await store.events.oldestId(), await store.events.lastId()]).toEqual([5, 4, 8]);
      await expect(store.events.checkAfter(2)).rejects.toThrow(/no longer kept/);
      await expect(store.events.checkAfter(9)).rejects.toThrow(/has been logged yet/);
      await store.events.checkAfter(3);
      const replayed: number[] = [];
      for await (const e of store.events.replay(3, 7)) replayed.push(e.id);
      expect(replayed).toEqual([4, 5, 6, 7]);
    });

    it('keeps the sandbox apart: it starts empty on every open, its ids go on, the real records stay', async () => {
      const where = await databaseLocation(engine);
      const real = await IncidentStore.open(await open(where));
      await real.commit([record(1)], state, [fetched(record(1))]);
      const sandbox = await IncidentStore.open(await open(where), { sandbox: true });
      await sandbox.commit([record(1), record(2)], state, [fetched(record(1)), fetched(record(2))]);
      const again = await IncidentStore.open(await open(where), { sandbox: true });
      expect([await again.size(), await again.state(), await again.events.size(), await again.events.lastId()]).toEqual([0, undefined, 0, 2]);
      expect([await real.size(), await real.events.lastId()]).toEqual([1, 1]);
    });

    it('prunes closed records with no activity and events logged before the retention horizon; a record still mirrored or still open stays', async () => {
      const db = await open(await databaseLocation(engine));
      const store = await IncidentStore.open(db);
      const old = record(1, 'None', '2026-01-01T00:00:00.000Z');
      old.gateway.gatewayState = 'CLOSED';
      const recent = record(2, 'None', '2026-03-01T00:00:00.000Z');
      recent.gateway.gatewayState = 'CLOSED';
      const oldButMirrored = record(3, 'Incoming', '2026-01-01T00:00:00.000Z');
      oldButMirrored.gateway.gatewayState = 'CLOSED';
      oldButMirrored.gateway.lastMirroredAt = '2026-02-20T00:00:00.000Z';
      const oldButOpen = record(4, 'None', '2026-01-01T00:00:00.000Z');
      await store.commit([old, recent, oldButMirrored, oldButOpen], undefined, [fetched(old), fetched(recent)]);
      expect(await store.pruneBefore('2026-02-01T00:00:00.000Z')).toEqual({ incidents: 1, events: 1 });
      expect([...(await store.known([1, 2, 3, 4]))].sort()).toEqual([2, 3, 4]);
      // Closed later (a new write of the same record), it goes at the next prune.
      await store.commit([{ ...oldButOpen, gateway: { ...oldButOpen.gateway, gatewayState: 'CLOSED' } }]);
      expect((await store.pruneBefore('2026-02-01T00:00:00.000Z')).incidents).toBe(1);
      expect([...(await store.known([2, 3, 4]))].sort()).toEqual([2, 3]);
      expect((await store.events.since(0)).map((e) => e.incident.incidentId)).toEqual([2]);
    });
  });

  describe('suppressed SAML matches', () => {
    it('counts a record once, whichever instance stores it and however often', async () => {
      const [a, b] = await openTwo(engine, await databaseLocation(engine));
      await new SuppressedMatches(a.db).record(['k1', 'k2', 'k1'], '2026-03-10T12:00:00.000Z');
      await new SuppressedMatches(b.db).record(['k2', 'k3'], '2026-03-10T12:01:00.000Z');
      expect(await new SuppressedMatches(a.db).count()).toBe(3);
      expect(await new SuppressedMatches(b.db).count()).toBe(3);
    });
  });

  describe('STA alerts', () => {
    const dueAtOf = (a: StaAlert) => a.run?.dueAt ?? null;

    it('records an alert once: a second insert of the same id (another instance, the same email) is refused', async () => {
      const where = await databaseLocation(engine);
      const [da, db] = await openTwo(engine, where);
      const [a, b] = [new StaAlertRows(da.db, dueAtOf), new StaAlertRows(db.db, dueAtOf)];
      const results = await Promise.all([a.save([alert('sta-1', '2026-03-10T12:00:00.000Z')], { insert: true }), b.save([alert('sta-1', '2026-03-10T12:00:00.000Z')], { insert: true })]);
      expect(results.sort()).toEqual([false, true]);
      expect(await a.list({}, 10)).toHaveLength(1);
    });

    it('of two writers that read the same version, only the first write succeeds', async () => {
      const where = await databaseLocation(engine);
      const [a, b] = [new StaAlertRows((await open(where)).db, dueAtOf), new StaAlertRows((await open(where)).db, dueAtOf)];
      await a.save([alert('sta-1', '2026-03-10T12:00:00.000Z')]);
      const [mine, theirs] = [(await a.get('sta-1'))!, (await b.get('sta-1'))!];
      mine.closeNotes = 'claimed by a';
      theirs.closeNotes = 'claimed by b';
      await a.save([mine]);
      await expect(b.save([theirs])).rejects.toBeInstanceOf(StaleAlertError);
      expect((await b.get('sta-1'))!.closeNotes).toBe('claimed by a');
      // The winner goes on writing with the version it now holds.
      mine.closeNotes = 'again';
      await a.save([mine]);
      expect((await b.get('sta-1'))!.closeNotes).toBe('again');
    });

    it('lists newest first with filters and keyset paging in SQL, and finds due runs through the index', async () => {
      const db = await open(await databaseLocation(engine));
      const rows = new StaAlertRows(db.db, dueAtOf);
      const run = (dueAt: string | null) => ({ state: 'RUNNING', dueAt, supersededBy: null }) as unknown as StaAlert['run'];
      await rows.save([
        alert('sta-a', '2026-03-10T10:00:00.000Z', { run: run('2026-03-10T13:00:00.000Z') }),
        alert('sta-b', '2026-03-10T11:00:00.000Z', { kind: 'ACCOUNT_LOCKOUT', userName: 'other' }),
        alert('sta-c', '2026-03-10T11:00:00.000Z', { run: run('2026-03-10T12:30:00.000Z') }),
        alert('sta-d', '2026-03-10T12:00:00.000Z', { state: 'CLOSED' }),
      ]);
      expect((await rows.list({}, 10)).map((a) => a.id)).toEqual(['sta-d', 'sta-c', 'sta-b', 'sta-a']);
      expect((await rows.list({ before: { recordedAt: '2026-03-10T11:00:00.000Z', id: 'sta-c' } }, 10)).map((a) => a.id)).toEqual(['sta-b', 'sta-a']);
      expect((await rows.list({ userName: ' demouser ', states: ['OPEN'] }, 10)).map((a) => a.id)).toEqual(['sta-c', 'sta-a']);
      expect((await rows.list({ kinds: ['ACCOUNT_LOCKOUT'] }, 10)).map((a) => a.id)).toEqual(['sta-b']);
      expect((await rows.list({ recordedFrom: '2026-03-10T11:00:00.000Z', recordedTo: '2026-03-10T11:30:00.000Z' }, 10)).map((a) => a.id)).toEqual(['sta-c', 'sta-b']);
      expect(await rows.dueIds('2026-03-10T13:00:00.000Z')).toEqual(['sta-c', 'sta-a']);
      expect(await rows.dueIds('2026-03-10T12:45:00.000Z')).toEqual(['sta-c']);
      expect(await rows.nextDueAt()).toBe('2026-03-10T12:30:00.000Z');
    });
  });

  describe('SAML alert windows', () => {
    const window = (id: string, key: string, startMs: number, eventCount: number): AlertWindow => ({
      key,
      seq: 1,
      startMs,
      detection: { id, eventCount, firstEventAt: new Date(startMs).toISOString(), lastEventAt: new Date(startMs).toISOString(), accountId: '1', actorArn: 'arn' } as never,
    });

    it('groups in one transaction at a time across instances, and a match key counts once per window', async () => {
      const where = await databaseLocation(engine);
      const [da, db] = await openTwo(engine, where);
      const [a, b] = [new SamlAlertTables(da), new SamlAlertTables(db)];
      // Two instances each add "their" match to the same window at once: read-count-write must not interleave.
      const add = (tables: SamlAlertTables, matchKey: string) =>
        tables.group(async (tx) => {
          if (await tx.hasMatch('w1', matchKey)) return;
          const n = (await tx.eventCount('w1')) + 1;
          const w = (await tx.windowAtOrBefore('k', 1000)) ?? window('w1', 'k', 0, 0);
          await tx.write([{ ...w, detection: { ...w.detection, eventCount: n } }], [{ alertId: 'w1', n, eventTime: 't', record: {}, matchKey }]);
        });
      await Promise.all([add(a, 'm1'), add(b, 'm2'), add(a, 'm3'), add(b, 'm1')]);
      expect((await a.window('w1'))!.detection.eventCount).toBe(3);
      expect((await b.events('w1', null, 10)).map((e) => e.n)).toEqual([1, 2, 3]);
      expect(await a.detections({ threshold: 1 }, 10)).toHaveLength(1);
      expect(await a.detections({ threshold: 4 }, 10)).toHaveLength(0);
    });
  });

  describe('folder marks and mail cursors', () => {
    it('remembers read files and the IMAP cursor across instances', async () => {
      const where = await databaseLocation(engine);
      const [a, b] = [await open(where), await open(where)];
      const mark = { size: 10, mtimeMs: 1, accepted: 2, rejected: 0, matched: 1, error: null };
      await new FileMarks(a.db).set('AWSLogs/x.json.gz', mark);
      expect(await new FileMarks(b.db).has('AWSLogs/x.json.gz')).toBe(true);
      expect(await new FileMarks(b.db).get('AWSLogs/x.json.gz')).toEqual(mark);
      await new MailCursors(a.db).set('user@host:143/INBOX', { uidValidity: '7', lastUid: 41 });
      await new MailCursors(a.db).set('user@host:143/INBOX', { uidValidity: '7', lastUid: 42 });
      expect(await new MailCursors(b.db).get('user@host:143/INBOX')).toEqual({ uidValidity: '7', lastUid: 42 });
    });
  });
});
