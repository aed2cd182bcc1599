// Upgrading from the JSON-lines stores of earlier versions: on first start each *.jsonl store found under
// SECGRAPH_DATA_DIR is replayed (the old format: one JSON operation per line, {s: [[key, value], …]} sets,
// {d: [keys]} deletes, {c: true} clears; a torn last line is a write that never happened) and its live data
// is written to the tables in one transaction, then the file is renamed *.imported. So nobody loses
// incidents, alerts, timers, detections or cursors on upgrade, and a second start does not import again.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import { incidentRow, incidentScope, type StoredIncident } from './incident-store.js';
import type { Tables } from './tables.js';

/** The old files, relative to SECGRAPH_DATA_DIR. */
export const JSONL_STORES = {
  incidents: 'saas-security-incidents.jsonl',
  sandboxIncidents: 'saas-security-sandbox-incidents.jsonl',
  staAlerts: 'sta-alerts.jsonl',
  mailCursors: 'sta-alert-mailbox.jsonl',
  samlWindows: path.join('saml-detection', 'alerts.jsonl'),
  samlEvents: path.join('saml-detection', 'matched-events.jsonl'),
  cloudtrailFiles: path.join('saml-detection', 'cloudtrail-files.jsonl'),
} as const;

type Op = { s: Array<[string, unknown]> } | { d: string[] } | { c: true };
type Tx = Transaction<Tables>;
const CHUNK = 200;

async function replay(file: string): Promise<Map<string, unknown>> {
  const data = new Map<string, unknown>();
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    let op: Op;
    try {
      op = JSON.parse(line) as Op;
    } catch {
      continue; // a torn write from a crash: it never happened
    }
    if ('s' in op) for (const [k, v] of op.s) data.set(k, v);
    else if ('d' in op) for (const k of op.d) data.delete(k);
    else if ('c' in op) data.clear();
  }
  return data;
}

async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

const str = (v: unknown): string => JSON.stringify(v);

async function importIncidents(trx: Tx, data: Map<string, unknown>): Promise<number> {
  const incidents: StoredIncident[] = [];
  const events: Array<{ id: number; at: string }> = [];
  let seq = 0;
  for (const [k, v] of data) {
    if (k.startsWith('incident:')) incidents.push(v as (typeof incidents)[number]);
    else if (k.startsWith('event:')) events.push(v as (typeof events)[number]);
    else if (k === 'eventSeq') seq = Number(v);
    else if (k === 'state') await trx.insertInto('fetch_state').values({ scope: incidentScope(DEFAULT_SAAS_INSTANCE), body: str(v) }).onConflict((oc) => oc.column('scope').doNothing()).execute();
  }
  await insertChunks(incidents, (chunk) =>
    trx
      .insertInto('incidents')
      .values(chunk.map((r) => incidentRow(incidentScope(DEFAULT_SAAS_INSTANCE), r)))
      .onConflict((oc) => oc.columns(['scope', 'incident_id']).doNothing())
      .execute(),
  );
  await insertChunks(events, (chunk) =>
    trx.insertInto('events').values(chunk.map((e) => ({ stream: 'incident', id: e.id, at: e.at, body: str(e) }))).onConflict((oc) => oc.columns(['stream', 'id']).doNothing()).execute(),
  );
  const last = Math.max(seq, ...events.map((e) => e.id), 0);
  if (last) await bumpStream(trx, 'incident', last);
  return incidents.length;
}

/** The stream's ids go on after `last` (never backwards). */
async function bumpStream(trx: Tx, stream: string, last: number): Promise<void> {
  const row = await trx.selectFrom('event_streams').select('last_id').where('stream', '=', stream).executeTakeFirst();
  const value = Math.max(last, Number(row?.last_id ?? 0));
  await trx
    .insertInto('event_streams')
    .values({ stream, last_id: value })
    .onConflict((oc) => oc.column('stream').doUpdateSet({ last_id: value }))
    .execute();
}

interface AlertLike {
  id: string;
  recordedAt: string;
  kind: string;
  state: string;
  userName: string | null;
  run: { state: string; dueAt: string | null; supersededBy?: string | null } | null;
}
const ACTIVE = new Set(['RUNNING', 'WAITING', 'RETRYING']);

async function importStaAlerts(trx: Tx, data: Map<string, unknown>): Promise<number> {
  const alerts = [...data.values()] as AlertLike[];
  await insertChunks(alerts, (chunk) =>
    trx
      .insertInto('sta_alerts')
      .values(
        chunk.map((a) => ({
          id: a.id,
          recorded_at: a.recordedAt,
          kind: a.kind,
          state: a.state,
          user_key: a.userName ? a.userName.trim().toLowerCase() : null,
          run_state: a.run?.state ?? null,
          due_at: a.run && ACTIVE.has(a.run.state) ? a.run.dueAt : null,
          superseded_by: a.run?.supersededBy ?? null,
          version: 1,
          body: str(a),
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
  return alerts.length;
}

async function importMailCursors(trx: Tx, data: Map<string, unknown>): Promise<number> {
  for (const [key, v] of data) {
    const c = v as { uidValidity: string; lastUid: number };
    await trx.insertInto('mail_cursors').values({ key, uid_validity: c.uidValidity, last_uid: c.lastUid }).onConflict((oc) => oc.column('key').doNothing()).execute();
  }
  return data.size;
}

async function importSamlWindows(trx: Tx, data: Map<string, unknown>): Promise<number> {
  const windows = [...data.values()] as Array<{ key: string; seq: number; startMs: number; detection: { id: string; eventCount: number; firstEventAt: string; lastEventAt: string; accountId: string | null; actorArn: string | null } }>;
  await insertChunks(windows, (chunk) =>
    trx
      .insertInto('saml_windows')
      .values(
        chunk.map((w) => ({
          id: w.detection.id,
          key: w.key,
          seq: w.seq,
          start_ms: w.startMs,
          event_count: w.detection.eventCount,
          first_event_at: w.detection.firstEventAt,
          last_event_at: w.detection.lastEventAt,
          account_id: w.detection.accountId,
          actor_arn: w.detection.actorArn,
          body: str(w),
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
  return windows.length;
}

async function importSamlEvents(trx: Tx, data: Map<string, unknown>): Promise<number> {
  const events = [...data.values()] as Array<{ alertId: string; n: number; eventTime: string; record: unknown }>;
  await insertChunks(events, (chunk) =>
    trx
      .insertInto('saml_events')
      .values(chunk.map((e) => ({ alert_id: e.alertId, n: e.n, match_key: createHash('md5').update(JSON.stringify(e.record)).digest('hex'), event_time: e.eventTime, body: str(e) })))
      .onConflict((oc) => oc.doNothing())
      .execute(),
  );
  return events.length;
}

async function importFileMarks(trx: Tx, data: Map<string, unknown>): Promise<number> {
  await insertChunks([...data], (chunk) =>
    trx
      .insertInto('cloudtrail_files')
      .values(chunk.map(([p, mark]) => ({ path: p, body: str(mark) })))
      .onConflict((oc) => oc.column('path').doNothing())
      .execute(),
  );
  return data.size;
}

const IMPORTERS: Record<keyof typeof JSONL_STORES, ((trx: Tx, data: Map<string, unknown>) => Promise<number>) | null> = {
  incidents: importIncidents,
  // The sandbox's incidents are regenerated on every start: nothing of them to keep.
  sandboxIncidents: null,
  staAlerts: importStaAlerts,
  mailCursors: importMailCursors,
  samlWindows: importSamlWindows,
  samlEvents: importSamlEvents,
  cloudtrailFiles: importFileMarks,
};

/** Imports every old store found under dataDir; returns what was imported, by file. */
export async function importJsonlStores(database: Database, dataDir: string): Promise<Array<{ file: string; records: number }>> {
  const done: Array<{ file: string; records: number }> = [];
  for (const [name, rel] of Object.entries(JSONL_STORES) as Array<[keyof typeof JSONL_STORES, string]>) {
    const file = path.join(dataDir, rel);
    if (!existsSync(file)) continue;
    const importer = IMPORTERS[name];
    let records = 0;
    if (importer) {
      const data = await replay(file);
      records = await database.db.transaction().execute((trx) => importer(trx, data));
    }
    // Renamed only once its rows are committed: a crash in between imports it again (inserts skip duplicates).
    renameSync(file, `${file}.imported`);
    done.push({ file: rel, records });
  }
  return done;
}
