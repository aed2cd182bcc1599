// Upgrading keeps everything: the JSON-lines stores of earlier versions under SECGRAPH_DATA_DIR are imported
// into the database on first start (torn last lines and deletes replayed as before) and renamed .imported,
// on both engines; event ids go on after the imported ones, and a second start imports nothing.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileMarks } from '../src/store/file-marks.js';
import { importJsonlStores, JSONL_STORES } from '../src/store/import-jsonl.js';
import { IncidentStore } from '../src/store/incident-store.js';
import { MailCursors } from '../src/store/mail-cursors.js';
import { SamlAlertTables } from '../src/store/saml-alerts.js';
import { StaAlertRows } from '../src/store/sta-alerts.js';
import { databaseLocation, ENGINES, open } from './helpers/databases.js';

const lines = (...ops: unknown[]) => `${ops.map((o) => JSON.stringify(o)).join('\n')}\n`;
const incident = (id: number) => ({
  wire: { incident_id: id, app_id: 'a', severity: 'High', state: 'open', status: 'Open-New', created_at: '2026-03-10T12:00:00Z', updated_at: '2026-03-10T12:00:00Z' },
  gateway: { mirrorDirection: id === 2 ? 'Incoming' : 'None', fetchedAt: '2026-03-10T12:00:00.000Z', lastMirroredAt: null, mirrorError: null, gatewayState: 'OPEN', closeReason: null },
});
const event = (id: number, incidentId: number) => ({ id, kind: 'FETCHED', incident: { incidentId }, changedFields: [], at: '2026-03-10T12:00:00.000Z' });
const state = { windowStart: 'w', cursor: '2026-03-10T12:00:00.000Z', mirrorCursor: 'm', fetchedTotal: 3, lastRunAt: null, lastError: null };

function writeOldStores(dataDir: string): void {
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dataDir, rel)), { recursive: true });
    writeFileSync(path.join(dataDir, rel), text);
  };
  put(
    JSONL_STORES.incidents,
    lines(
      { s: [['incident:1', incident(1)], ['incident:2', incident(2)], ['event:1', event(1, 1)], ['event:2', event(2, 2)], ['eventSeq', 2], ['state', state]] },
      { s: [['incident:3', incident(3)], ['event:3', event(3, 3)], ['eventSeq', 3]] },
      { d: ['event:1'] },
    ) + '{"s":[["incident:4"', // torn: never happened
  );
  const alert = { id: 'sta-1', kind: 'PUSH_REJECTION', userName: 'DemoUser', recordedAt: '2026-03-10T12:00:00.000Z', state: 'OPEN', run: { state: 'WAITING', dueAt: '2026-03-11T12:00:00.000Z', supersededBy: null } };
  put(JSONL_STORES.staAlerts, lines({ s: [['sta-1', alert]] }));
  put(JSONL_STORES.mailCursors, lines({ s: [['u@h:143/INBOX', { uidValidity: '9', lastUid: 12 }]] }));
  const detection = { id: 'det-1', eventCount: 2, firstEventAt: '2026-03-02T10:00:00.000Z', lastEventAt: '2026-03-02T10:05:00.000Z', accountId: '1', actorArn: 'arn' };
  put(JSONL_STORES.samlWindows, lines({ s: [['det-1', { key: 'k', seq: 1, startMs: Date.parse(detection.firstEventAt), detection }]] }));
  put(
    JSONL_STORES.samlEvents,
    lines({ s: [['det-1:0000000001', { alertId: 'det-1', n: 1, eventTime: detection.firstEventAt, record: { a: 1 } }], ['det-1:0000000002', { alertId: 'det-1', n: 2, eventTime: detection.lastEventAt, record: { a: 2 } }]] }),
  );
  put(JSONL_STORES.cloudtrailFiles, lines({ s: [['AWSLogs/x.json.gz', { size: 1, mtimeMs: 2, accepted: 3, rejected: 0, matched: 1, error: null }]] }));
}

describe.each(ENGINES)('import of JSON-lines stores on %s', (engine) => {
  it('imports every store once, renames it .imported, and event ids go on after the imported ones', async () => {
    const where = await databaseLocation(engine);
    writeOldStores(where.dataDir);
    const db = await open(where);
    const imported = await importJsonlStores(db, where.dataDir);
    expect(imported.map((i) => [i.file, i.records])).toEqual([
      [JSONL_STORES.incidents, 3],
      [JSONL_STORES.staAlerts, 1],
      [JSONL_STORES.mailCursors, 1],
      [JSONL_STORES.samlWindows, 1],
      [JSONL_STORES.samlEvents, 2],
      [JSONL_STORES.cloudtrailFiles, 1],
    ]);
    for (const rel of Object.values(JSONL_STORES)) expect(existsSync(path.join(where.dataDir, rel))).toBe(false);
    expect(existsSync(path.join(where.dataDir, `${JSONL_STORES.incidents}.imported`))).toBe(true);

    const incidents = await IncidentStore.open(db);
    expect([...(await incidents.known([1, 2, 3, 4]))].sort()).toEqual([1, 2, 3]);
    expect(await incidents.state()).toEqual(state);
    expect(await incidents.hasIncomingIncidents()).toBe(true);
    expect((await incidents.events.since(0)).map((e) => e.id)).toEqual([2, 3]);
    const [next] = await incidents.commit([], undefined, [{ kind: 'CLOSED', incident: { incidentId: 1 } as never, changedFields: [], at: 'now' }]);
    expect(next!.id).toBe(4);

    const alerts = new StaAlertRows(db.db, (a) => a.run?.dueAt ?? null);
    expect((await alerts.get('sta-1'))!.userName).toBe('DemoUser');
    expect(await alerts.dueIds('2026-03-12T00:00:00.000Z')).toEqual(['sta-1']);
    expect(await new MailCursors(db.db).get('u@h:143/INBOX')).toEqual({ uidValidity: '9', lastUid: 12 });
    const saml = new SamlAlertTables(db);
    expect((await saml.detections({ threshold: 1 }, 10)).map((d) => d.id)).toEqual(['det-1']);
    expect((await saml.events('det-1', null, 10)).map((e) => e.n)).toEqual([1, 2]);
    expect(await new FileMarks(db.db).has('AWSLogs/x.json.gz')).toBe(true);

    expect(await importJsonlStores(db, where.dataDir)).toEqual([]);
  });
});
