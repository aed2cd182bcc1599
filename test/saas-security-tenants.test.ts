// Several SaaS Security tenants from a SECGRAPH_CONFIG file, against two SaaS Security emulator tenants on
// loopback whose incident ids collide: each tenant is fetched into its own records, lookups and actions take
// `instance` (default: the first), a close and a remediation reach only the incident's own tenant, the unified
// list and the event streams span both (a cursor and an event id resume across them), a tenant whose API
// client is revoked leaves the other serving, and /ready, /metrics and Query.gateway show each tenant.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { alertIdOf } from '../src/domain/alert.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { IncidentStore } from '../src/fetch/incident-store.js';
import { IncidentSync } from '../src/fetch/incident-sync.js';
import { LeaseLostError } from '../src/store/leases.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { HOUR, startSyncHarness, T0, wireIncident } from './helpers/incident-sync.js';
import { sseSubscribe, waitUntil, type Result } from './helpers/subscribers.js';

const IDS = [1, 2, 3];
let dir: string;
let us: SaasSecurityEmulator;
let eu: SaasSecurityEmulator;
let gw: TestGateway;

/** A config file with one instance per tenant; `extra` is added to every instance (YAML lines). */
const yaml = (tenants: Array<{ name: string; url: string }>, extra: string[] = []) => `
saasSecurity:
  instances:
${tenants
  .map((t) =>
    [`    - name: ${t.name}`, `      url: ${t.url}`, `      clientId: ${EMULATOR_CLIENT_ID}`, `      clientSecret: ${EMULATOR_CLIENT_SECRET}`, ...extra.map((l) => `      ${l}`)].join('\n'),
  )
  .join('\n')}
`;

/** The env of startTestGateway names the shorthand's tenant; emptied, the file's instances apply. */
const NO_SHORTHAND = { SAAS_SECURITY_URL: '', SAAS_SECURITY_CLIENT_ID: '', SAAS_SECURITY_CLIENT_SECRET: '' };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'secgraph-saas-tenants-'));
  us = new SaasSecurityEmulator();
  eu = new SaasSecurityEmulator({ apps: [{ app_name: 'EU Box', app_id: 'eu-app-1', app_type: 'box' }] });
  // The same incident ids at both tenants, different incidents.
  for (const id of IDS) {
    us.createIncident({ incident_id: id, asset_name: `us-file-${id}`, asset_id: `us-asset-${id}`, app_id: 'acf49b2389c09f26ad0ccd2b1a603328' });
    eu.createIncident({ incident_id: id, asset_name: `eu-file-${id}`, asset_id: `eu-asset-${id}`, app_id: 'eu-app-1' });
  }
  const file = path.join(dir, 'secgraph.yaml');
  writeFileSync(file, yaml([{ name: 'us', url: await us.start() }, { name: 'eu', url: await eu.start() }], ['fetch: { enabled: true, interval: 1h }', 'mirrorDirection: Both']));
  gw = await startTestGateway({ env: { ...NO_SHORTHAND, SECGRAPH_CONFIG: file } });
  for (const t of gw.services.saasInstances!.list) await t.sync.runOnce();
});
afterAll(async () => {
  await gw?.close();
  await us?.stop();
  await eu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const INCIDENT = `query($id: ID!, $instance: String) { incident(id: $id, instance: $instance) { id instance incidentId assetName gatewayState app { appName } } }`;
const LIST = `query($first: Int, $after: String, $filter: IncidentFilter) {
  incidents(first: $first, after: $after, filter: $filter) { edges { cursor node { instance incidentId assetName } } pageInfo { hasNextPage endCursor } }
}`;

describe('two tenants from SECGRAPH_CONFIG', () => {
  it('fetches each tenant into its own records: colliding ids are kept apart', async () => {
    for (const name of ['us', 'eu']) {
      const { body } = await gw.gql(`query($i: String) { incidentFetchStatus(instance: $i) { instance fetchedTotal storedIncidents lastError } }`, { i: name });
      expect(body.data.incidentFetchStatus).toEqual({ instance: name, fetchedTotal: 3, storedIncidents: 3, lastError: null });
    }
    const { body } = await gw.gql(INCIDENT, { id: '2', instance: 'eu' });
    expect(body.data.incident).toEqual({ id: '2', instance: 'eu', incidentId: 2, assetName: 'eu-file-2', gatewayState: 'OPEN', app: { appName: 'EU Box' } });
    // Without instance: the first configured tenant.
    const byDefault = await gw.gql(INCIDENT, { id: '2' });
    expect(byDefault.body.data.incident).toMatchObject({ instance: 'us', assetName: 'us-file-2', gatewayState: 'OPEN', app: { appName: 'Box 1' } });
    const unknown = await gw.gql(INCIDENT, { id: '2', instance: 'apac' });
    expect(unknown.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'instance' });
    expect(unknown.body.errors?.[0]?.message).toMatch(/"us", "eu"/);
    // The alert ids the triage queue uses name the tenant.
    expect(alertIdOf({ source: 'SAAS_INCIDENT', instance: 'eu', id: '2' })).toBe('saas:eu:2');
  });

  it('lists every tenant, tenant after tenant; a cursor names its tenant and pages across them; filter.instances narrows', async () => {
    const seen: Array<[string, number]> = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const { body }: { body: any } = await gw.gql(LIST, { first: 2, after });
      expect(body.errors).toBeUndefined();
      seen.push(...body.data.incidents.edges.map((e: { node: { instance: string; incidentId: number } }) => [e.node.instance, e.node.incidentId] as [string, number]));
      after = body.data.incidents.pageInfo.endCursor;
      if (!body.data.incidents.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual([...IDS.map((id) => ['us', id]), ...IDS.map((id) => ['eu', id])]);
    const onlyEu = await gw.gql(LIST, { first: 10, filter: { instances: ['eu'] } });
    expect(onlyEu.body.data.incidents.edges.map((e: { node: { assetName: string } }) => e.node.assetName)).toEqual(['eu-file-1', 'eu-file-2', 'eu-file-3']);
    // A cursor of us is refused by a list that leaves us out.
    const usCursor = (await gw.gql(LIST, { first: 1 })).body.data.incidents.pageInfo.endCursor;
    const refused = await gw.gql(LIST, { first: 1, after: usCursor, filter: { instances: ['eu'] } });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it('closes at the incident\'s own tenant only', async () => {
    const { body } = await gw.gql(`mutation { closeIncident(id: "1", category: MISIDENTIFIED, instance: "eu") { instance incidentId state gatewayState } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.closeIncident).toEqual({ instance: 'eu', incidentId: 1, state: 'CLOSED', gatewayState: 'CLOSED' });
    expect(eu.incidents.get(1)!.state).toBe('closed');
    expect(us.incidents.get(1)!.state).toBe('open');
    expect(us.requestsTo('/incident/api/incidents/1/state')).toHaveLength(0);
    const usRecord = await gw.gql(INCIDENT, { id: '1', instance: 'us' });
    expect(usRecord.body.data.incident).toMatchObject({ assetName: 'us-file-1', gatewayState: 'OPEN' });
  });

  it('remediates at the named tenant, and reads its status there', async () => {
    const { body } = await gw.gql(`mutation { remediateAsset(assetId: "eu-asset-3", type: QUARANTINE, instance: "eu") { status } }`);
    expect(body.data.remediateAsset.status).toBe('pending');
    expect(eu.remediations.has('system_quarantine:eu-asset-3')).toBe(true);
    expect(us.requestsTo('/remediation/api/assets')).toHaveLength(0);
    const status = await gw.gql(`{ eu: remediationStatus(assetId: "eu-asset-3", type: QUARANTINE, instance: "eu") { status } us: remediationStatus(assetId: "eu-asset-3", type: QUARANTINE) { status } }`);
    expect(status.body.data).toEqual({ eu: { status: 'success' }, us: null });
    const apps = await gw.gql(`{ eu: apps(instance: "eu") { appName } us: apps { appName } }`);
    expect(apps.body.data.eu).toEqual([{ appName: 'EU Box' }]);
    expect(apps.body.data.us.length).toBeGreaterThan(1);
  });

  it('the triage queue holds each tenant\'s incidents under saas:<instance>:<id>, and closes an alert at its own tenant', async () => {
    const { body } = await gw.gql(`{ alerts(first: 50, filter: { sources: [SAAS_INCIDENT] }) { edges { node { alertId } } } }`);
    expect(body.errors).toBeUndefined();
    const ids = body.data.alerts.edges.map((e: { node: { alertId: string } }) => e.node.alertId).sort();
    expect(ids).toEqual(expect.arrayContaining(['saas:eu:1', 'saas:eu:2', 'saas:eu:3', 'saas:us:1', 'saas:us:2', 'saas:us:3']));
    const one = await gw.gql(`{ alert(alertId: "saas:eu:2") { alertId ... on Incident { instance assetName } } }`);
    expect(one.body.data.alert).toEqual({ alertId: 'saas:eu:2', instance: 'eu', assetName: 'eu-file-2' });
    const closed = await gw.gql(`mutation { updateAlertStatus(alertIds: ["saas:us:3"], status: CLOSED) { alertId error { code } } }`);
    expect(closed.body.data.updateAlertStatus).toEqual([{ alertId: 'saas:us:3', error: null }]);
    expect(us.incidents.get(3)!.state).toBe('closed');
    expect(eu.incidents.get(3)!.state).toBe('open');
  });

  it('one event log for both tenants: a client resumes across them with one id, and filter.instances narrows the stream', async () => {
    const log = await gw.gql(`{ incidentEvents(after: "0", first: 100) { id kind incident { instance incidentId } } }`);
    const events = log.body.data.incidentEvents as Array<{ id: string; kind: string; incident: { instance: string; incidentId: number } }>;
    expect(events.filter((e) => e.kind === 'FETCHED').map((e) => `${e.incident.instance}:${e.incident.incidentId}`).sort()).toEqual(
      ['eu:1', 'eu:2', 'eu:3', 'us:1', 'us:2', 'us:3'],
    );
    const lastId = events[events.length - 1]!.id;
    // Away: both tenants get a new incident, fetched while nobody listens.
    us.createIncident({ incident_id: 4, asset_name: 'us-file-4' });
    eu.createIncident({ incident_id: 4, asset_name: 'eu-file-4' });
    for (const t of gw.services.saasInstances!.list) await t.sync.runOnce();
    const query = `subscription($after: ID, $filter: IncidentEventFilter) { incidentEvents(after: $after, filter: $filter) { id incident { instance incidentId } } }`;
    const all = await sseSubscribe(gw.yoga, query, { variables: { after: lastId } });
    const onlyEu = await sseSubscribe(gw.yoga, query, { variables: { after: lastId, filter: { instances: ['eu'] } } });
    try {
      await waitUntil(() => all.results.length === 2 && onlyEu.results.length === 1, 'the missed events');
      const names = (rs: Result[]) => rs.map((r) => `${r.data.incidentEvents.incident.instance}:${r.data.incidentEvents.incident.incidentId}`);
      expect(names(all.results).sort()).toEqual(['eu:4', 'us:4']);
      expect(names(onlyEu.results)).toEqual(['eu:4']);
    } finally {
      await all.cancel();
      await onlyEu.cancel();
    }
  });

  it('a client revoked at one tenant leaves the other serving and fetching', async () => {
    us.revokeClient();
    try {
      const usSync = gw.services.saasInstances!.get('us').sync;
      const euSync = gw.services.saasInstances!.get('eu').sync;
      eu.createIncident({ incident_id: 5, asset_name: 'eu-file-5' });
      const [usRun, euRun] = [await usSync.runOnce(), await euSync.runOnce()];
      expect(usRun.error).toMatch(/^UPSTREAM_REJECTED: SaaS Security \(us\) answered HTTP 401/);
      expect(euRun).toMatchObject({ fetched: 1, error: null });
      const eu5 = await gw.gql(INCIDENT, { id: '5', instance: 'eu' });
      expect(eu5.body.data.incident).toMatchObject({ instance: 'eu', assetName: 'eu-file-5' });
      const us9 = await gw.gql(`{ incident(id: "9", instance: "us") { id } }`);
      expect(us9.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', upstream: 'SaaS Security (us)' });
      const status = await gw.gql(`{ gateway { saasSecurityInstances { name breaker fetch { instance lastError fetchedTotal } } } }`);
      const byName = Object.fromEntries(status.body.data.gateway.saasSecurityInstances.map((i: { name: string }) => [i.name, i]));
      expect(Object.keys(byName)).toEqual(['us', 'eu']);
      expect(byName['us'].fetch.lastError).toMatch(/UPSTREAM_REJECTED/);
      expect(byName['eu'].fetch).toMatchObject({ instance: 'eu', lastError: null, fetchedTotal: 5 });
    } finally {
      us.restoreClient();
    }
  });

  it('a tenant that refuses the tokens it issues is UPSTREAM_UNAVAILABLE naming that tenant; the other serves', async () => {
    eu.refuseIssuedTokens();
    try {
      const eu1 = await gw.gql(`{ incident(id: "8", instance: "eu") { id } }`); // not cached: it reaches eu
      expect(eu1.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'SaaS Security (eu)' });
      expect(eu1.body.errors?.[0]?.message).toMatch(/^SaaS Security \(eu\) refuses the tokens it issues/);
      const us1 = await gw.gql(INCIDENT, { id: '1', instance: 'us' });
      expect(us1.body.data.incident).toMatchObject({ instance: 'us', assetName: 'us-file-1' });
    } finally {
      eu.refuseIssuedTokens(false);
    }
  });

  it('/ready, /metrics and the leases show each tenant', async () => {
    const ready = (await (await gw.yoga.fetch('http://yoga/ready')).json()) as { connectors: Record<string, unknown>; saasSecurityInstances: unknown; breakers: Record<string, unknown> };
    expect(ready.connectors['saasSecurity']).toBe(true);
    expect(ready.saasSecurityInstances).toEqual({ us: true, eu: true });
    expect(ready.breakers['saasSecurityInstances']).toEqual({ us: 'closed', eu: 'closed' });
    const metrics = await (await gw.yoga.fetch('http://yoga/metrics')).text();
    expect(metrics).toMatch(/secgraph_incident_fetch_last_success_timestamp_seconds\{tenant="eu"\} [1-9]/);
    expect(metrics).toMatch(/secgraph_incident_fetch_lag_seconds\{tenant="us"\}/);
    expect(metrics).toMatch(/secgraph_upstream_requests_total\{upstream="SaaS Security \(eu\)",operation="listIncidents",status="ok"\}/);
    const { body } = await gw.gql(`{ gateway { leases { job heldHere } } }`);
    expect(body.data.gateway.leases.map((l: { job: string }) => l.job)).toEqual(expect.arrayContaining(['incident-fetch:us', 'incident-fetch:eu']));
  });
});

describe('saasSecurity.instances in SECGRAPH_CONFIG', () => {
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const instance = (lines: string[]) => `saasSecurity:\n  instances:\n    - ${lines.join('\n      ')}\n`;
  const base = ['name: eu', 'url: https://api.aperture-eu.paloaltonetworks.com', 'clientId: id-eu', 'clientSecret: secret-eu'];

  it('reads each tenant with its own settings over the SAAS_SECURITY_* ones, by the same parsers', () => {
    const file = write(
      'tenants.yaml',
      `settings:\n  SAAS_SECURITY_FETCH_INTERVAL: 5m\n  SAAS_SECURITY_TIMEOUT_MS: 20000\n` +
        yaml([{ name: 'us', url: 'https://api.aperture.paloaltonetworks.com' }]) +
        `    - name: eu\n      region: EU\n      clientId: id-eu\n      clientSecret: secret-eu\n      fetch: { enabled: false, interval: 30s, firstFetch: 12 hours ago, maxFetch: 5000, state: Open, severity: [4, Critical], status: open-new, appIds: [a1, a2] }\n      mirrorDirection: Incoming And Outgoing\n      closeMirrored: true\n      timeoutMs: 5000\n      retries: 1\n      insecure: true\n`,
    );
    const c = loadConfig({ SECGRAPH_CONFIG: file });
    expect(c.saasSecurity).toMatchObject({ mode: 'upstream', name: 'us', url: 'https://api.aperture.paloaltonetworks.com' });
    const [first, second] = c.saasSecurity.instances;
    expect(first).toMatchObject({ name: 'us', http: { timeoutMs: 20_000 }, fetch: { enabled: true, intervalMs: 300_000, maxFetch: 200 } });
    expect(second).toMatchObject({
      name: 'eu',
      url: 'https://api.aperture-eu.paloaltonetworks.com',
      http: { timeoutMs: 5000, retryLimit: 1, transport: { insecure: true } },
      fetch: { enabled: false, intervalMs: 30_000, firstFetch: { kind: 'ago', ms: 12 * 3_600_000 }, maxFetch: 1000, state: 'OPEN', severities: ['HIGH', 'CRITICAL'], statuses: ['NEW'], appIds: ['a1', 'a2'], mirrorDirection: 'Both', closeMirrored: true },
    });
    // Adjusted values and warnings name the file's key.
    expect(c.warnings.map((w) => w.variable)).toEqual(expect.arrayContaining(['SECGRAPH_CONFIG saasSecurity.instances.1.fetch.maxFetch', 'SECGRAPH_CONFIG saasSecurity.instances.1.insecure']));
  });

  it.each([
    ['twice.yaml', `saasSecurity:\n  instances:\n${[0, 1].map(() => `    - ${base.join('\n      ')}`).join('\n')}\n`, /used twice/],
    ['bad-name.yaml', instance(['name: "eu:1"', ...base.slice(1)]), /saasSecurity\.instances\.0\.name/],
    ['both.yaml', instance([...base, 'region: EU']), /instances\.0\.region: set either url or region/],
    ['bad-region.yaml', instance(['name: eu', 'region: MARS', 'clientId: a', 'clientSecret: b']), /instances\.0\.region: must be one of US, EU, APAC/],
    ['bad-interval.yaml', instance([...base, 'fetch: { interval: soon }']), /SECGRAPH_CONFIG saasSecurity\.instances\.0\.fetch\.interval: expected a duration/],
    ['bad-severity.yaml', instance([...base, 'fetch: { severity: [9] }']), /instances\.0\.fetch\.severity: unknown value "9"/],
    ['bad-direction.yaml', instance([...base, 'mirrorDirection: Sideways']), /instances\.0\.mirrorDirection/],
    ['no-secret.yaml', instance(base.slice(0, 3)), /instances\.0\.clientSecret/],
    ['unknown-key.yaml', instance([...base, 'tenantCode: X']), /tenantCode/],
  ])('refuses %s, naming the key', (name, text, message) => {
    const file = write(name, text);
    expect(() => loadConfig({ SECGRAPH_CONFIG: file })).toThrow(ConfigError);
    expect(() => loadConfig({ SECGRAPH_CONFIG: file })).toThrow(message);
  });

  it('the SAAS_SECURITY_* shorthand replaces the file\'s instances with one named default; none of either is the sandbox', () => {
    const file = write('one.yaml', instance(base));
    const c = loadConfig({ SECGRAPH_CONFIG: file, SAAS_SECURITY_CLIENT_ID: 'x', SAAS_SECURITY_CLIENT_SECRET: 'y', SAAS_SECURITY_REGION: 'APAC' });
    expect(c.saasSecurity.instances.map((i) => [i.name, i.url])).toEqual([['default', 'https://api.aperture-apac.paloaltonetworks.com']]);
    expect(loadConfig({ SECGRAPH_CONFIG: file }).saasSecurity.instances.map((i) => i.name)).toEqual(['eu']);
    expect(loadConfig({})).toMatchObject({ saasSecurity: { mode: 'sandbox', sandboxTenants: 1, instances: [] } });
    expect(loadConfig({ SAAS_SECURITY_SANDBOX_TENANTS: '2' }).saasSecurity).toMatchObject({ mode: 'sandbox', sandboxTenants: 2 });
    expect(() => loadConfig({ SAAS_SECURITY_SANDBOX_TENANTS: '9' })).toThrow(/SAAS_SECURITY_SANDBOX_TENANTS/);
  });
});

describe('the sandbox with SAAS_SECURITY_SANDBOX_TENANTS=2', () => {
  it('runs two emulated tenants, default and sandbox-2, with other incidents under the same ids', async () => {
    const sandbox = await startTestGateway({ env: { ...NO_SHORTHAND, SAAS_SECURITY_SANDBOX_TENANTS: '2', SAAS_SECURITY_FETCH: 'true', SAAS_SECURITY_FETCH_INTERVAL: '1h' } });
    try {
      const tenants = sandbox.services.saasInstances!;
      expect(tenants.names).toEqual(['default', 'sandbox-2']);
      for (const t of tenants.list) await t.sync.runOnce();
      const { body } = await sandbox.gql(`{ gateway { sandboxes saasSecurityInstances { name fetch { storedIncidents } } } a: incident(id: "1000") { instance assetName createdAt } b: incident(id: "1000", instance: "sandbox-2") { instance assetName createdAt } }`);
      expect(body.data.gateway.sandboxes).toContain('SaaS Security');
      expect(body.data.gateway.saasSecurityInstances.map((i: { name: string; fetch: { storedIncidents: number } }) => [i.name, i.fetch.storedIncidents > 0])).toEqual([
        ['default', true],
        ['sandbox-2', true],
      ]);
      expect(body.data.a.instance).toBe('default');
      expect(body.data.b.instance).toBe('sandbox-2');
      expect(body.data.a.createdAt).not.toBe(body.data.b.createdAt);
    } finally {
      await sandbox.close();
    }
  });
});

describe('a fetch run whose tenant lease is lost mid-run', () => {
  it('ends with the lease error recorded in its summary, never a rejection (which would end the process)', async () => {
    const h = await startSyncHarness({}, [wireIncident(1, T0 - HOUR)]);
    try {
      const lost = new LeaseLostError('incident-fetch:eu');
      const store = await IncidentStore.open(h.database, { instance: 'eu', fence: async () => Promise.reject(lost) });
      const sync = new IncidentSync({ ...h.sync.deps, store });
      const run = await sync.runOnce();
      expect(run).toMatchObject({ fetched: 0, error: expect.stringContaining('no longer holds the incident-fetch:eu lease') });
      expect(await store.size()).toBe(0);
      expect(h.logs.text).toContain("the fetch run's outcome was not recorded");
    } finally {
      await h.close();
    }
  });
});
