// At start (in the background), the alerts the sources stored before the queue existed (an upgrade past migration 007) join it,
// a page at a time, each page through the same source hook as a live write (so a closed incident starts
// RESOLVED/CLOSED, an ended STA run RESOLVED). Cheap when there is nothing to add: one indexed anti-join per
// source. The sandbox's incidents are regenerated and indexed as they are fetched, so only the live scope is read.
import type { StoredIncident } from '../fetch/incident-store.js';
import type { SamlDetectionEvent } from '../domain/saml-detection.js';
import type { StaAlert } from '../domain/sta-alert.js';
import type { AlertWindow } from '../store/saml-alerts.js';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/tables.js';
import { unindexedBodies } from '../store/alerts.js';
import type { AlertIndex } from './alert-index.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import { incidentScope } from '../store/incident-store.js';

const PAGE = 500;

export async function backfillAlerts(database: Database, index: AlertIndex, samlThreshold: number, stopped: () => boolean = () => false): Promise<number> {
  let added = 0;
  const pages = async (read: () => Promise<string[]>, write: (bodies: string[]) => Promise<void>) => {
    while (!stopped()) {
      const bodies = await read();
      if (!bodies.length) return;
      await write(bodies);
      added += bodies.length;
      if (bodies.length < PAGE) return;
    }
  };
  const inTransaction = async (fn: (trx: Transaction<Tables>) => Promise<() => void>) => {
    const publish = await database.db.transaction().execute(fn);
    publish();
  };
  await pages(
    () => unindexedBodies(database.db, { table: 'incidents', scope: incidentScope(DEFAULT_SAAS_INSTANCE) }, `saas:${DEFAULT_SAAS_INSTANCE}:`, PAGE),
    (bodies) => inTransaction((trx) => index.syncIncidents(trx, bodies.map((b) => JSON.parse(b) as StoredIncident), null)),
  );
  await pages(
    () => unindexedBodies(database.db, { table: 'sta_alerts' }, 'sta:', PAGE),
    (bodies) => inTransaction((trx) => index.syncStaAlerts(trx, bodies.map((b) => JSON.parse(b) as StaAlert))),
  );
  await pages(
    () => unindexedBodies(database.db, { table: 'saml_windows', threshold: samlThreshold }, 'saml:', PAGE),
    (bodies) =>
      inTransaction((trx) =>
        index.syncSamlDetections(
          trx,
          bodies.map((b): SamlDetectionEvent => ({ id: 0, kind: 'CREATED', detection: (JSON.parse(b) as AlertWindow).detection, at: new Date().toISOString() })),
        ),
      ),
  );
  return added;
}
