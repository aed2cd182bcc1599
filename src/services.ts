// The composition root: turns a validated Config into running Services. With no SaaS Security credentials it
// starts the emulator in-process (the sandbox) and points the connector at it.
import { NO_AUDIT } from './audit/audit-log.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { memoryCacheFactory, redisCacheFactory } from './connectors/cache.js';
import { SaasSecurityClient } from './connectors/saas-security/client.js';
import { SaasSecurityConnector } from './connectors/saas-security/connector.js';
import { StaClient } from './connectors/sta/client.js';
import { StaConnector } from './connectors/sta/connector.js';
import type { Services } from './context.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from './emulators/saas-security/emulator.js';
import { STA_EMULATOR_API_KEY, STA_SANDBOX_TENANT, StaEmulator } from './emulators/sta/emulator.js';
import { sandboxStaAlerts } from './emulators/sta/sample-alerts.js';
import { IncidentStore } from './fetch/incident-store.js';
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
import { startTracing } from './observability/tracing.js';
import { createDeploymentPubSub, type GatewayPubSub } from './pubsub.js';
import { openDatabase, type Database } from './store/database.js';
import { importJsonlStores } from './store/import-jsonl.js';
import { LeaseKeeper, Leases, newInstanceId, type LeaseHolder, type LeaseKeeperOptions } from './store/leases.js';

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
  const lease = leaseHolder(leases, logger, closers);
  const { pubsub, follow, close: closePubSub } = await createDeploymentPubSub(config.redisUrl, database, config.databaseUrl, logger, config.pubsubCatchUpMs);
  closers.push(closePubSub);
  const cacheFactory = config.redisUrl ? await redisCacheFactory(config.redisUrl) : memoryCacheFactory(config.cacheMaxBytes);
  const metrics = new GatewayMetrics();
  const tracing = await startTracing(config.otlpEndpoint, logger);
  // Closed near the end (closers run in reverse), after the workers: their last spans are flushed too.
  if (tracing) closers.push(() => tracing.close());
  metrics.cacheBytes = () => cacheFactory.memoryBytes;
  closers.push(() => cacheFactory.close());

  let saas = config.saasSecurity.mode === 'upstream' ? config.saasSecurity : null;
  if (!saas) {
    const emulator = new SaasSecurityEmulator({ generatedIncidents: SANDBOX_INCIDENTS, remediationDelayMs: 5_000, clock });
    const url = await emulator.start(0, '127.0.0.1');
    closers.push(() => emulator.stop());
    sandboxes.push('SaaS Security');
    logger.warn({ url }, 'SaaS Security is not configured: serving SANDBOX data from the built-in emulator');
    // The built-in emulator is in-process on loopback: never through a proxy.
    saas = { mode: 'upstream', url, clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET, http: { ...config.saasSecurity.http, transport: DIRECT } };
  }
  const saasClient = new SaasSecurityClient({
    baseUrl: saas.url,
    clientId: saas.clientId,
    clientSecret: saas.clientSecret,
    http: saas.http,
    logger,
    clock,
    observer: metrics,
  });
  const saasSecurity = new SaasSecurityConnector(saasClient, cacheFactory);
  const remediationUpdates = new RemediationUpdates(saasSecurity, { ...config.remediationUpdates, logger: logger.child({ job: 'remediation-updates' }) });
  closers.push(async () => remediationUpdates.stop());

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

  const saml = await startSamlDetection(config, logger, clock, pubsub, database, lease);
  closers.push(saml.close);
  if (saml.sandbox) sandboxes.push('AWS CloudTrail');

  // The playbooks act on STA through the connector (tests may pass a fake responder instead).
  const staAlerts = await startStaAlerts(config, logger, clock, pubsub, database, lease, options.staResponder === undefined ? staInstances : options.staResponder, closers);


  // Opened even with fetching off: closeIncident and the Incident's gateway fields read the stored records.
  // Fetch + incoming mirror run on the instance holding the incident-fetch lease; its cursor commits are
  // fenced by it, so a holder that stalled cannot write over its successor.
  const fetchLease = new LeaseKeeper(leases, 'incident-fetch');
  const incidentSync = new IncidentSync({
    source: saasClient,
    store: await IncidentStore.open(database, {
      sandbox: sandboxes.includes('SaaS Security'),
      maxEvents: config.incidentFetch.eventLogSize,
      fence: (trx) => leases.fence(trx, 'incident-fetch'),
    }),
    pubsub,
    clock,
    logger: logger.child({ job: 'incident-fetch' }),
    config: config.incidentFetch,
    isLeader: () => fetchLease.held,
  });
  // Stopped before the pub/sub and the sandbox it talks to (closers run in reverse).
  closers.push(() => incidentSync.stop());
  // What the pub/sub between instances loses (an outage, a failed publish) is delivered from the logs.
  await follow('incident:event', incidentSync.store.events);
  await follow('sta-alert:event', staAlerts.store.events);
  await follow('saml:detection', saml.service.eventLog);
  incidentSync.start();
  await lease(fetchLease, { onAcquired: () => incidentSync.kick() });


  const services: Services = { config, logger, clock, pubsub, saasSecurity, remediationUpdates, incidentSync, sta: staConnector, staInstances, samlDetection: saml.service, staAlerts, sandboxes, metrics, leases, audit: NO_AUDIT };
  metrics.watch(services);
  return {
    services,
    seedSandboxes: () => saml.seedSandbox(),
    close: async () => {
      for (const c of closers.reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
    },
  };
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
): Promise<StaPlaybookRunner> {
  const store = StaAlertStore.open(database, pubsub);
  const timersLease = new LeaseKeeper(lease.leases, 'sta-playbook-timers');
  const runner = new StaPlaybookRunner({
    isLeader: () => timersLease.held,
    store,
    responder: responder instanceof StaInstances ? (instanceName: string | null) => responderForAlert(responder, instanceName) : responder,
    clock,
    logger,
    settings: { groupName: config.staPlaybooks.unusualActivityGroup, hours: config.staPlaybooks.unusualActivityHours },
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


function leaseHolder(leases: Leases, logger: Logger, closers: Array<() => Promise<void>>): LeaseHolder {
  const hold = async (keeper: LeaseKeeper, hooks: Omit<LeaseKeeperOptions, 'onError'> = {}) => {
    const log = logger.child({ job: keeper.job, instance: leases.instanceId });
    await keeper.start({
      onAcquired: async () => {
        log.info('this instance took the job lease: running the job here');
        await hooks.onAcquired?.();
      },
      onLost: async () => {
        log.warn('this instance no longer holds the job lease: the job runs elsewhere');
        await hooks.onLost?.();
      },
      onError: (e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'job lease could not be renewed'),
    });
    closers.push(() => keeper.stop());
    return keeper;
  };
  return Object.assign(hold, { leases });
}
