// At start (in the background), the alerts the sources stored before the queue existed (an upgrade past migration 007)
// join it, a page at a time, each page through the same source hook as a live write (so a closed incident starts
// RESOLVED/CLOSED, an ended STA run RESOLVED). Every configured SaaS Security tenant is read; the sandbox's
// incidents are regenerated and indexed as they are fetched, so it has none to add. Pages are read in key
// order from where the last one stopped (cheap when there is nothing to add: one indexed anti-join per source),
// and the event loop is given back between pages: with SQLite every query is synchronous, and a backfill of a
// million incidents that never yielded kept /health from answering for minutes.
import type { StoredIncident } from '../fetch/incident-store.js';
import type { SamlDetectionEvent } from '../domain/saml-detection.js';
import type { StaAlert } from '../domain/sta-alert.js';
import type { AlertWindow } from '../store/saml-alerts.js';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/tables.js';
import { unindexedBodies, type UnindexedBody } from '../store/alerts.js';
import type { AlertIndex } from './alert-index.js';
import { incidentScope } from '../store/incident-store.js';

const PAGE = 500;

/** Lets timers and sockets run between two pages (better-sqlite3's promises resolve without touching the loop). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function backfillAlerts(
  database: Database,
  index: AlertIndex,
  samlThreshold: number,
  saasTenants: readonly string[],
  stopped: () => boolean = () => false,
): Promise<number> {
  let added = 0;
  const pages = async (read: (after: string | number | null) => Promise<UnindexedBody[]>, write: (bodies: string[]) => Promise<void>) => {
    let after: string | number | null = null;
    while (!stopped()) {
      const page = await read(after);
      if (!page.length) return;
      await write(page.map((p) => p.body));
      added += page.length;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.key;
      await yieldToEventLoop();
    }
  };
  const inTransaction = async (fn: (trx: Transaction<Tables>) => Promise<() => void>) => {
    const publish = await database.db.transaction().execute(fn);
    publish();
  };
  for (const tenant of saasTenants) {
    await pages(
      (after) => unindexedBodies(database.db, { table: 'incidents', scope: incidentScope(tenant) }, `saas:${tenant}:`, PAGE, after),
      (bodies) => inTransaction((trx) => index.syncIncidents(trx, bodies.map((b) => JSON.parse(b) as StoredIncident), null, tenant)),
    );
  }
  await pages(
    (after) => unindexedBodies(database.db, { table: 'sta_alerts' }, 'sta:', PAGE, after),
    (bodies) => inTransaction((trx) => index.syncStaAlerts(trx, bodies.map((b) => JSON.parse(b) as StaAlert))),
  );
  await pages(
    (after) => unindexedBodies(database.db, { table: 'saml_windows', threshold: samlThreshold }, 'saml:', PAGE, after),
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
