// The composition root: turns a validated Config into running Services. With no SaaS Security credentials it
// starts the emulator in-process (the sandbox) and points the connector at it.
import type { AuditLog } from './audit/audit-log.js';
import { AuditRetention } from './audit/audit-retention.js';
import { StoreAuditLog } from './audit/store-audit-log.js';
import { createAuthenticator, FINGERPRINT_KEY_SECRET } from './identity/authenticator.js';
import { DeploymentSecrets } from './store/deployment-secrets.js';
import { loadTrustedDocuments } from './trusted-documents/load.js';
import { systemClock, type Clock } from './clock.js';
import type { Config, SaasInstanceConfig } from './config.js';
import { memoryCacheFactory, redisCacheFactory, type CacheFactory } from './connectors/cache.js';
import { SaasInstances, type SaasInstance } from './connectors/saas-security/instances.js';
import { DEFAULT_SAAS_INSTANCE } from './domain/alert.js';
import { SaasSecurityClient } from './connectors/saas-security/client.js';
import { SaasSecurityConnector } from './connectors/saas-security/connector.js';
import { StaClient } from './connectors/sta/client.js';
import { StaConnector } from './connectors/sta/connector.js';
import type { Services } from './context.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from './emulators/saas-security/emulator.js';
import { SANDBOX_SEED, sandboxTenantName } from './emulators/saas-security/seed.js';
import { STA_EMULATOR_API_KEY, STA_SANDBOX_TENANT, StaEmulator } from './emulators/sta/emulator.js';
import { sandboxStaAlerts } from './emulators/sta/sample-alerts.js';
import type { Transaction } from 'kysely';
import type { IncidentEvent } from './domain/incident-event.js';
import { IncidentStore } from './fetch/incident-store.js';
import type { EventLog } from './store/event-log.js';
import type { IncidentAlertSync } from './store/incident-store.js';
import type { Tables } from './store/tables.js';
import { systemActor } from './identity/actor.js';
import { DIRECT } from './connectors/transport.js';
import { StaInstances } from './connectors/sta/instances.js';
import { StepFailure } from './playbooks/sta-playbooks.js';
import { RemediationUpdates } from './subscriptions/remediation-updates.js';
import { IncidentSync } from './fetch/incident-sync.js';
import type { Logger } from './logger.js';
import { startSamlDetection } from './detection/start-saml-detection.js';
import { StaAlertMailListener } from './mail/sta-alert-listener.js';
import { StaAlertStore } from './playbooks/sta-alert-store.js';
import { StaPlaybookRunner } from './playbooks/sta-playbook-runner.js';
import type { StaResponder } from './playbooks/sta-responder.js';
import { GatewayMetrics } from './observability/metrics.js';
import { AlertIndex } from './triage/alert-index.js';
import { backfillAlerts } from './triage/backfill.js';
import { startTracing } from './observability/tracing.js';
import { createDeploymentPubSub, type GatewayPubSub } from './pubsub.js';
import { loadCursorSigner } from './security/cursor-keys.js';
import { openDatabase, type Database } from './store/database.js';
import { AuditEntries } from './store/audit-entries.js';
import { importJsonlStores } from './store/import-jsonl.js';
import { incidentFetchJob, LeaseKeeper, Leases, newInstanceId, type LeaseHolder, type LeaseKeeperOptions } from './store/leases.js';
import { OutboxRows } from './store/outbox.js';
import { AlertDestinations } from './destinations/alert-destinations.js';
import { incidentNotices, samlNotices, staNotices, statusNotice } from './destinations/notices.js';

/** How many generated incidents the sandbox starts with. */
const SANDBOX_INCIDENTS = 300;

export interface RunningServices {
  services: Services;
  /**
   * Prepares the sandbox data too slow to make before listening (the CloudTrail tree and its detections).
   * The server runs it once its port is open; in-process harnesses await it before asserting on that data.
   */
  seedSandboxes(): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** What the STA playbooks act through. Default: the STA connector. null: none, so their STA steps fail with NOT_CONFIGURED and retry. */
  staResponder?: StaResponder | null;
}

export async function startServices(config: Config, logger: Logger, clock: Clock = systemClock, options: ServiceOptions = {}): Promise<RunningServices> {
  const closers: Array<() => Promise<void>> = [];
  for (const w of config.warnings) logger.warn({ variable: w.variable }, `configuration adjusted: ${w.variable}: ${w.message}`);
  const sandboxes: string[] = [];
  // First opened, last closed: everything below keeps its state in it.
  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  closers.push(() => database.close());
  logger.info({ engine: database.engine, location: database.location, migrated: database.migrated }, 'database open');
  for (const imported of await importJsonlStores(database, config.dataDir)) {
    logger.warn(imported, 'imported a JSON-lines store of an earlier version into the database; the file is renamed .imported');
  }
  const leases = new Leases(database, newInstanceId(), config.leaderLeaseMs);
  const { pubsub, follow, close: closePubSub } = await createDeploymentPubSub(config.redisUrl, database, config.databaseUrl, logger, config.pubsubCatchUpMs);
  closers.push(closePubSub);
  // The audit trail, before anything that acts: every background job's lease change is recorded in it too.
  const auditTrail = new AuditEntries(database.db);
  const audit = new StoreAuditLog({ entries: auditTrail, pubsub, clock, logger: logger.child({ component: 'audit' }), instance: leases.instanceId });
  await follow('audit:event', auditTrail);
  // Lease changes are audited without holding the job up; start-up and shutdown wait for those writes.
  const leaseAuditWrites = new Set<Promise<void>>();
  const lease = leaseHolder(leases, logger, closers, audit, leaseAuditWrites);
  closers.push(async () => void (await Promise.all(leaseAuditWrites)));
  if (config.audit.retentionMs !== null) {
    const retention = new AuditRetention(auditTrail, config.audit.retentionMs, clock, logger.child({ job: 'audit-retention' }));
    closers.push(() => retention.stop());
    await lease(new LeaseKeeper(leases, 'audit-retention'), { onAcquired: () => retention.start(), onLost: () => retention.stop() });
  }
  const cacheFactory = config.redisUrl ? await redisCacheFactory(config.redisUrl) : memoryCacheFactory(config.cacheMaxBytes);
  const metrics = new GatewayMetrics();
  // The alert outbox: deliveries are written by the sources' event logs (hooks below), in their transactions.
  const destinations = new AlertDestinations({
    config: config.destinations,
    outbox: new OutboxRows(database, leases),
    clock,
    logger,
    breaker: config.destinations.breaker,
    leaseMs: config.leaderLeaseMs,
    observer: metrics,
  });
  const tracing = await startTracing(config.otlpEndpoint, logger);
  // Closed near the end (closers run in reverse), after the workers: their last spans are flushed too.
  if (tracing) closers.push(() => tracing.close());
  metrics.cacheBytes = () => cacheFactory.memoryBytes;
  closers.push(() => cacheFactory.close());

  // The queue's index: every source keeps it in the transactions that write its alerts.
  const triage = new AlertIndex(database, pubsub, clock, config.incidentFetch.eventLogSize);

  // The SaaS Security tenants: the configured ones, or the sandbox's emulated ones (in-process on loopback,
  // never through a proxy; SAAS_SECURITY_SANDBOX_TENANTS of them, each with its own generated incidents).
  let saasTenants: SaasInstanceConfig[] = config.saasSecurity.instances;
  const saasSandbox = config.saasSecurity.mode === 'sandbox';
  if (config.saasSecurity.mode === 'sandbox') {
    saasTenants = [];
    for (let n = 0; n < config.saasSecurity.sandboxTenants; n++) {
      const emulator = new SaasSecurityEmulator({ generatedIncidents: SANDBOX_INCIDENTS, remediationDelayMs: 5_000, clock, seed: SANDBOX_SEED + n });
      const url = await emulator.start(0, '127.0.0.1');
      closers.push(() => emulator.stop());
      const name = sandboxTenantName(n);
      saasTenants.push({ name, url, clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET, http: { ...config.saasSecurity.http, transport: DIRECT }, fetch: config.incidentFetch });
      logger.warn({ url, saasInstance: name }, 'SaaS Security is not configured: serving SANDBOX data from the built-in emulator');
    }
    sandboxes.push('SaaS Security');
  }
  const fetchLeases = new Map<string, LeaseKeeper>();
  const started: SaasInstance[] = [];
  const alerts = { sync: triage.syncIncidents, clear: (trx: Transaction<Tables>) => triage.clearSaasAlerts(trx) };
  for (const [n, tenant] of saasTenants.entries()) {
    const tenantDeps = { sandbox: saasSandbox, clearSandbox: n === 0, events: started[0]?.sync.store.events, alerts, config, logger, clock, metrics, cacheFactory, database, leases, pubsub, closers };
    const { instance, fetchLease } = await startSaasTenant(tenant, tenantDeps);
    started.push(instance);
    fetchLeases.set(tenant.name, fetchLease);
  }
  const saasInstances = new SaasInstances(started);
  const { connector: saasSecurity, remediationUpdates, sync: incidentSync } = saasInstances.default;
  // The sandbox's incidents are generated anew at every start: sending them would page someone 300 times a restart.
  // One hook on the one event log object every tenant's store shares.
  if (!saasSandbox) incidentSync.store.events.onAppend((trx, events) => destinations.enqueueAlertEvent(trx, incidentNotices(events)));

  let staInstanceConfigs = config.sta.instances;
  let staHttp = config.sta.http;
  if (config.sta.mode === 'sandbox') {
    const emulator = new StaEmulator({ unusualActivityGroup: config.staPlaybooks.unusualActivityGroup, clock });
    const url = await emulator.start(0, '127.0.0.1');
    closers.push(() => emulator.stop());
    sandboxes.push('SafeNet Trusted Access');
    logger.warn({ url }, 'SafeNet Trusted Access is not configured: serving SANDBOX data from the built-in emulator');
    staInstanceConfigs = [{ name: null, url, tenantCode: STA_SANDBOX_TENANT, apiKey: STA_EMULATOR_API_KEY }];
    staHttp = { ...staHttp, transport: DIRECT };
  }
  // One connector per tenant; caches of instances after the first get their own namespaces (shared Redis).
  const staInstances = new StaInstances(
    staInstanceConfigs.map((i, n) => {
      const client = new StaClient({ url: i.url, tenantCode: i.tenantCode, apiKey: i.apiKey, http: i.http ?? staHttp, logger, observer: metrics });
      const connectorLogger = logger.child({ upstream: 'SafeNet Trusted Access', ...(i.name ? { staInstance: i.name } : {}) });
      return { name: i.name, connector: new StaConnector(client, cacheFactory, connectorLogger, n === 0 ? 'sta' : `sta@${i.name}`) };
    }),
  );
  const staConnector = staInstances.default.connector;

  triage.onStatusChanged((trx, change) => destinations.enqueueAlertEvent(trx, statusNotice(change)));
  const saml = await startSamlDetection(config, logger, clock, pubsub, database, lease, triage.syncSamlDetections, audit);
  closers.push(saml.close);
  saml.service.eventLog.onAppend((trx, events) => destinations.enqueueAlertEvent(trx, samlNotices(events, saml.service.spec)));
  if (saml.sandbox) sandboxes.push('AWS CloudTrail');

  // The playbooks act on STA through the connector (tests may pass a fake responder instead).
  const staAlerts = await startStaAlerts(config, logger, clock, pubsub, database, lease, options.staResponder === undefined ? staInstances : options.staResponder, closers, triage, audit);
  staAlerts.store.events.onAppend((trx, events) => destinations.enqueueAlertEvent(trx, staNotices(events)));


  // What the pub/sub between instances loses (an outage, a failed publish) is delivered from the logs. Every
  // SaaS Security tenant's events are in one log (one EventLog object, the default tenant's store's).
  await follow('incident:event', incidentSync.store.events);
  await follow('sta-alert:event', staAlerts.store.events);
  await follow('saml:detection', saml.service.eventLog);
  await follow('alert:update', triage.log);
  // Alerts the sources stored before the queue existed (or while an older version ran) join it now.
  // In the background, a page at a time: a large store must not hold up listening.
  let backfillStopped = false;
  const backfillTenants = saasSandbox ? [] : saasTenants.map((t) => t.name);
  const backfill = backfillAlerts(database, triage, saml.service.spec.threshold, backfillTenants, () => backfillStopped).then(
    (added) => void (added && logger.info({ alerts: added }, 'alerts stored before the triage queue were added to it')),
    (e: unknown) => logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'adding stored alerts to the triage queue failed; the next start tries again'),
  );
  closers.push(async () => {
    backfillStopped = true;
    await backfill;
  });
  // Each tenant's fetch runs on the instance holding that tenant's lease.
  for (const tenant of saasInstances.list) {
    tenant.sync.start();
    await lease(fetchLeases.get(tenant.name)!, { onAcquired: () => tenant.sync.kick() });
  }
  destinations.start(pubsub);
  // Stopped before the pub/sub and the database (closers run in reverse).
  closers.push(() => destinations.stop());
  if (config.destinations.list.length) logger.info({ destinations: config.destinations.list.map((d) => `${d.name} (${d.type})`) }, 'alert destinations configured');


  // Keys and the identity provider's tokens; the provider is discovered now, not at the first token. The
  // failed-authentication throttle's fingerprint key is the deployment's, generated once in the shared database.
  const fingerprintKey = config.apiKeys.size || config.oidc ? (await new DeploymentSecrets(database.db).getOrCreate(FINGERPRINT_KEY_SECRET, 32)).secret : undefined;
  const authenticator = await createAuthenticator(config, logger, clock, fingerprintKey);
  authenticator.warm();
  // The console's documents and SECGRAPH_TRUSTED_DOCUMENTS; rooms add theirs (the MCP tools) with register().
  const trustedDocuments = loadTrustedDocuments(config, logger);
  // One key for the deployment: configured, or generated once in the shared database.
  const cursors = await loadCursorSigner(config.cursorKeys, database, logger);
  const services: Services = { config, logger, clock, pubsub, saasSecurity, saasInstances, remediationUpdates, incidentSync, sta: staConnector, staInstances, samlDetection: saml.service, staAlerts, sandboxes, metrics, leases, audit, auditTrail, authenticator, triage, destinations, trustedDocuments, cursors };
  metrics.watch(services);
  await Promise.all(leaseAuditWrites);
  return {
    services,
    seedSandboxes: () => saml.seedSandbox(),
    close: async () => {
      for (const c of closers.reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
    },
  };
}

interface SaasTenantDeps {
  /** The built-in emulators' tenants: their stores start empty (the first one opened clears them all). */
  sandbox: boolean;
  clearSandbox: boolean;
  /** The first tenant's event log, shared by the others (one log, one hook for every tenant's events). */
  events: EventLog<IncidentEvent> | undefined;
  /** The triage queue's index, kept in the incidents' transactions. */
  alerts: IncidentAlertSync;
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: GatewayMetrics;
  cacheFactory: CacheFactory;
  database: Database;
  leases: Leases;
  pubsub: GatewayPubSub;
  closers: Array<() => Promise<void>>;
}

/**
 * One SaaS Security tenant: its client (token, breaker), connector (caches), remediation pollers, and its
 * fetch + incoming mirror, which run on the instance holding the tenant's own lease; the tenant's cursor
 * commits are fenced by that lease, so a holder that stalled cannot write over its successor. The store is
 * opened even with fetching off: closeIncident and the Incident's gateway fields read the stored records.
 */
async function startSaasTenant(tenant: SaasInstanceConfig, deps: SaasTenantDeps): Promise<{ instance: SaasInstance; fetchLease: LeaseKeeper }> {
  const { config, logger, clock, leases } = deps;
  const client = new SaasSecurityClient({
    instance: tenant.name,
    baseUrl: tenant.url,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    http: tenant.http,
    logger,
    clock,
    observer: deps.metrics,
  });
  const connector = new SaasSecurityConnector(client, deps.cacheFactory, tenant.name);
  const tenantLog = tenant.name === DEFAULT_SAAS_INSTANCE ? {} : { saasInstance: tenant.name };
  const remediationUpdates = new RemediationUpdates(connector, { ...config.remediationUpdates, logger: logger.child({ job: 'remediation-updates', ...tenantLog }) });
  deps.closers.push(async () => remediationUpdates.stop());
  const job = incidentFetchJob(tenant.name);
  const fetchLease = new LeaseKeeper(leases, job);
  const sync = new IncidentSync({
    source: client,
    store: await IncidentStore.open(deps.database, {
      instance: tenant.name,
      sandbox: deps.sandbox,
      clearSandbox: deps.clearSandbox,
      ...(deps.events ? { events: deps.events } : {}),
      alerts: deps.alerts,
      maxEvents: config.incidentFetch.eventLogSize,
      fence: (trx) => leases.fence(trx, job),
    }),
    pubsub: deps.pubsub,
    clock,
    logger: logger.child({ job, ...tenantLog }),
    config: tenant.fetch,
    isLeader: () => fetchLease.held,
  });
  // Stopped before the pub/sub and the sandbox it talks to (closers run in reverse).
  deps.closers.push(() => sync.stop());
  return { instance: { name: tenant.name, connector, sync, remediationUpdates }, fetchLease };
}

/** The connector an alert's playbook acts on; an instance name no tenant has fails the run with the reason. */
function responderForAlert(instances: StaInstances, instanceName: string | null): StaResponder {
  const hit = instances.forAlert(instanceName);
  if ('reason' in hit) throw new StepFailure('NOT_FOUND', hit.reason, null);
  return hit.connector;
}

/** The STA playbook runner (always) and the alert mail listener (when STA_ALERTS_IMAP_HOST is set). */
async function startStaAlerts(
  config: Config,
  logger: Logger,
  clock: Clock,
  pubsub: GatewayPubSub,
  database: Database,
  lease: LeaseHolder,
  /** The STA instances (each alert acts on the one its email names), or one responder for every alert (tests). */
  responder: StaInstances | StaResponder | null,
  closers: Array<() => Promise<void>>,
  triage: AlertIndex,
  audit: AuditLog,
): Promise<StaPlaybookRunner> {
  const store = StaAlertStore.open(database, pubsub, triage.syncStaAlerts);
  const timersLease = new LeaseKeeper(lease.leases, 'sta-playbook-timers');
  const runner = new StaPlaybookRunner({
    isLeader: () => timersLease.held,
    store,
    responder: responder instanceof StaInstances ? (instanceName: string | null) => responderForAlert(responder, instanceName) : responder,
    clock,
    logger,
    settings: { groupName: config.staPlaybooks.unusualActivityGroup, hours: config.staPlaybooks.unusualActivityHours },
    audit,
  });
  runner.start();
  closers.push(() => runner.stop());
  await lease(timersLease, { onAcquired: () => runner.wake() });
  if (!responder) logger.warn('STA playbooks have no STA connector: their STA steps fail with NOT_CONFIGURED and are retried');
  if (config.staAlertsMail) {
    // One instance reads the mailbox (the one holding the lease); another takes over from the stored UID
    // cursor if it dies. An email read twice all the same (a takeover mid-message) is still one alert.
    const listener = new StaAlertMailListener({ mail: config.staAlertsMail, database, logger, runner });
    closers.push(() => listener.stop());
    await lease(new LeaseKeeper(lease.leases, 'sta-alert-mail'), { onAcquired: () => listener.start(), onLost: () => listener.stop() });
  } else {
    logger.info('STA alert mail listener is off: STA_ALERTS_IMAP_HOST is not set');
    if (config.sta.mode === 'sandbox' && config.staPlaybooks.sandboxAlerts) {
      for (const alert of sandboxStaAlerts(clock)) await runner.recordAlert(alert);
      logger.warn('STA alerts: two SANDBOX alert emails recorded so the playbooks have something to show');
    }
  }
  return runner;
}


/** Starts lease keepers whose changes are logged and audited (`lease.acquired` / `lease.lost`, SYSTEM, `job:<name>`). */
function leaseHolder(leases: Leases, logger: Logger, closers: Array<() => Promise<void>>, audit: AuditLog, pending: Set<Promise<void>>): LeaseHolder {
  const hold = async (keeper: LeaseKeeper, hooks: Omit<LeaseKeeperOptions, 'onError'> = {}) => {
    const log = logger.child({ job: keeper.job, instance: leases.instanceId });
    const recordChange = (action: string) => {
      const write = audit
        .record({ actor: systemActor(keeper.job), action, target: `job:${keeper.job}`, requestId: null, outcome: 'SUCCEEDED' })
        .catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : String(e) }, `audit entry ${action} could not be written`))
        .finally(() => pending.delete(write));
      pending.add(write);
    };
    await keeper.start({
      onAcquired: async () => {
        log.info('this instance took the job lease: running the job here');
        // Not awaited: the job starts (and below, stops) at once, whatever the audit write waits for.
        recordChange('lease.acquired');
        await hooks.onAcquired?.();
      },
      onLost: async () => {
        log.warn('this instance no longer holds the job lease: the job runs elsewhere');
        recordChange('lease.lost');
        await hooks.onLost?.();
      },
      onError: (e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'job lease could not be renewed'),
    });
    closers.push(() => keeper.stop());
    return keeper;
  };
  return Object.assign(hold, { leases });
}
