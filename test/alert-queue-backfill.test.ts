// Alerts stored before the queue existed (an upgrade past migration 007) join it at start, in the background:
// every configured SaaS Security tenant's incidents, more than one page of them, a closed one already closed.
// The store is written as an older version left it (incident rows, no alert rows), then a gateway starts on it;
// on SQLite and on PostgreSQL.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { AlertDetailDocument, AlertQueueDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { databaseLocation, ENGINES, open, type EngineName } from './helpers/databases.js';
import { waitUntil } from './helpers/subscribers.js';

const US_COUNT = 1_203; // more than two backfill pages (500)
const EU_COUNT = 4;
const FETCHED_AT = '2026-03-10T12:00:00.000Z';

function incidentRow(scope: string, id: number, closed = false) {
  const wire = {
    incident_id: id,
    app_id: 'acf49b2389c09f26ad0ccd2b1a603328',
    app_name: 'Box 1',
    asset_name: `file-${scope}-${id}.txt`,
    severity: 'High',
    state: closed ? 'closed' : 'open',
    status: closed ? 'Closed-misidentified' : 'Open-New',
    category: closed ? 'misidentified' : 'new',
    created_at: '2026-03-10T12:00:00Z',
    updated_at: '2026-03-10T12:00:00Z',
  };
  const gateway = { mirrorDirection: 'None', fetchedAt: FETCHED_AT, lastMirroredAt: null, mirrorError: null, gatewayState: closed ? 'CLOSED' : 'OPEN', closeReason: closed ? 'misidentified' : null };
  return { scope, incident_id: id, incoming: 0, fetched_at: FETCHED_AT, last_activity_at: FETCHED_AT, open: closed ? 0 : 1, body: JSON.stringify({ wire, gateway }) };
}

let dir: string;
let us: SaasSecurityEmulator;
let eu: SaasSecurityEmulator;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'secgraph-backfill-'));
  us = new SaasSecurityEmulator();
  eu = new SaasSecurityEmulator();
  file = path.join(dir, 'secgraph.yaml');
  const tenant = (name: string, url: string) =>
    [`    - name: ${name}`, `      url: ${url}`, `      clientId: ${EMULATOR_CLIENT_ID}`, `      clientSecret: ${EMULATOR_CLIENT_SECRET}`, '      fetch: { enabled: false }'].join('\n');
  writeFileSync(file, `saasSecurity:\n  instances:\n${tenant('us', await us.start())}\n${tenant('eu', await eu.start())}\n`);
});
afterAll(async () => {
  await us?.stop();
  await eu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A store as an older version left it (incident rows of both tenants, no alert rows), then a gateway on it. */
async function gatewayOnOldStore(engine: EngineName): Promise<TestGateway> {
  const where = await databaseLocation(engine);
  const database = await open(where);
  const rows = [...Array.from({ length: US_COUNT }, (_, i) => incidentRow('saas:us', i + 1)), ...Array.from({ length: EU_COUNT }, (_, i) => incidentRow('saas:eu', i + 1, i === 2))];
  for (let i = 0; i < rows.length; i += 400) await database.db.insertInto('incidents').values(rows.slice(i, i + 400)).execute();
  await database.close();
  return startTestGateway({
    env: {
      SAAS_SECURITY_URL: '',
      SAAS_SECURITY_CLIENT_ID: '',
      SAAS_SECURITY_CLIENT_SECRET: '',
      SECGRAPH_CONFIG: file,
      SECGRAPH_DATA_DIR: where.dataDir,
      ...(where.databaseUrl ? { DATABASE_URL: where.databaseUrl } : {}),
    },
  });
}

const queuePage = (gw: TestGateway, after: string | null) =>
  gw.gql(AlertQueueDocument, { first: 100, after, filter: { sources: ['SAAS_INCIDENT'], statuses: ['OPEN', 'RESOLVED', 'CLOSED'] } });

async function queueIds(gw: TestGateway): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const r = await queuePage(gw, after);
    expect(r.body.errors).toBeUndefined();
    const alerts = r.body.data!.alerts;
    ids.push(...alerts.edges.map((e) => e.node.alertId));
    if (!alerts.pageInfo.hasNextPage) return ids;
    after = alerts.pageInfo.endCursor ?? null;
  }
}

describe.each(ENGINES)('alert queue backfill at start (%s)', (engine) => {
  it("adds every tenant's stored incidents, page after page, each once, a closed one closed as its category says", async () => {
    const gw = await gatewayOnOldStore(engine);
    try {
      await waitUntil(() => gw.logs.text.includes('alerts stored before the triage queue were added to it'), 'the backfill to finish', 20_000);
      const ids = await queueIds(gw);
      expect(ids.length).toBe(US_COUNT + EU_COUNT);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => id.startsWith('saas:eu:')).sort()).toEqual(['saas:eu:1', 'saas:eu:2', 'saas:eu:3', 'saas:eu:4']);
      expect(ids).toContain(`saas:us:${US_COUNT}`);
      const closed = await gw.gql(AlertDetailDocument, { alertId: 'saas:eu:3' });
      expect(closed.body.data!.alert).toMatchObject({ alertId: 'saas:eu:3', triage: { status: 'CLOSED', sourceState: 'CLOSED (misidentified)' } });
      const open = await gw.gql(AlertDetailDocument, { alertId: 'saas:eu:1' });
      expect(open.body.data!.alert).toMatchObject({ triage: { status: 'OPEN' } });
      expect(gw.logs.text).toMatch(new RegExp(`"alerts":${US_COUNT + EU_COUNT}\\b`));
    } finally {
      await gw.close();
    }
  });
});
