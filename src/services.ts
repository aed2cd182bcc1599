// The composition root: turns a validated Config into running Services. With no SaaS Security credentials it
// starts the emulator in-process (the sandbox) and points the connector at it.
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
import type { Logger } from './logger.js';
import { createGatewayPubSub } from './pubsub.js';
import { startSamlDetection } from './detection/start-saml-detection.js';

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
  closers.push(() => cacheFactory.close());
  const { pubsub, close: closePubSub } = createGatewayPubSub(config.redisUrl, logger);
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

  let sta = config.sta.mode === 'upstream' ? config.sta : null;
  if (!sta) {
    const emulator = new StaEmulator({ unusualActivityGroup: config.sta.unusualActivityGroup, clock });
    const url = await emulator.start(0, '127.0.0.1');
    closers.push(() => emulator.stop());
    sandboxes.push('SafeNet Trusted Access');
    logger.warn({ url }, 'SafeNet Trusted Access is not configured: serving SANDBOX data from the built-in emulator');
    sta = { ...config.sta, mode: 'upstream', url, tenantCode: STA_SANDBOX_TENANT, apiKey: STA_EMULATOR_API_KEY };
  }
  const staClient = new StaClient({ url: sta.url, tenantCode: sta.tenantCode, apiKey: sta.apiKey, http: sta.http, logger });
  const staConnector = new StaConnector(staClient, cacheFactory, logger.child({ upstream: 'SafeNet Trusted Access' }));

  const saml = await startSamlDetection(config, logger, clock, pubsub);
  closers.push(saml.close);
  if (saml.sandbox) sandboxes.push('AWS CloudTrail');

  return {
    services: { config, logger, clock, pubsub, saasSecurity, sta: staConnector, samlDetection: saml.service, sandboxes },
    close: async () => {
      for (const c of closers.reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
    },
  };
}
