// The composition root: turns a validated Config into running Services. With no SaaS Security credentials it
// starts the emulator in-process (the sandbox) and points the connector at it.
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { memoryCacheFactory, redisCacheFactory } from './connectors/cache.js';
import { SaasSecurityClient } from './connectors/saas-security/client.js';
import { SaasSecurityConnector } from './connectors/saas-security/connector.js';
import type { Services } from './context.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from './emulators/saas-security/emulator.js';
import { IncidentStore } from './fetch/incident-store.js';
import { IncidentSync } from './fetch/incident-sync.js';
import type { Logger } from './logger.js';
import { createGatewayPubSub } from './pubsub.js';

/** How many generated incidents the sandbox starts with. */
const SANDBOX_INCIDENTS = 300;

export interface RunningServices {
  services: Services;
  close(): Promise<void>;
}

export async function startServices(config: Config, logger: Logger, clock: Clock = systemClock): Promise<RunningServices> {
  const closers: Array<() => Promise<void>> = [];
  const sandboxes: string[] = [];
  const cacheFactory = config.redisUrl ? redisCacheFactory(config.redisUrl) : memoryCacheFactory();
  const { pubsub, close: closePubSub } = createGatewayPubSub(config.redisUrl);
  closers.push(closePubSub);

  let saas = config.saasSecurity.mode === 'upstream' ? config.saasSecurity : null;
  if (!saas) {
    const emulator = new SaasSecurityEmulator({ generatedIncidents: SANDBOX_INCIDENTS, remediationDelayMs: 5_000, clock });
    const url = await emulator.start(0, '127.0.0.1');
    closers.push(() => emulator.stop());
    sandboxes.push('SaaS Security');
    logger.warn({ url }, 'SaaS Security is not configured: serving SANDBOX data from the built-in emulator');
    saas = { mode: 'upstream', url, clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET, http: config.saasSecurity.http };
  }
  const saasClient = new SaasSecurityClient({
    baseUrl: saas.url,
    clientId: saas.clientId,
    clientSecret: saas.clientSecret,
    http: saas.http,
    logger,
    clock,
  });
  const saasSecurity = new SaasSecurityConnector(saasClient, cacheFactory);

  // Opened even with fetching off: closeIncident and the Incident's gateway fields read the stored records.
  const incidentSync = new IncidentSync({
    source: saasClient,
    store: IncidentStore.open(config.dataDir, { sandbox: sandboxes.includes('SaaS Security') }),
    pubsub,
    clock,
    logger: logger.child({ job: 'incident-fetch' }),
    config: config.incidentFetch,
  });
  // Stopped before the pub/sub and the sandbox it talks to (closers run in reverse).
  closers.push(() => incidentSync.stop());
  incidentSync.start();

  return {
    services: { config, logger, clock, pubsub, saasSecurity, incidentSync, sandboxes },
    close: async () => {
      for (const c of closers.reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
    },
  };
}
