// A served gateway (real port, fetch off) with a reader and a respond-only key, and a `publish` that puts
// one FETCHED incident event on its pub/sub: what the fan-out tests push to many subscribers at once.
// `appName` marks every payload, so a test can count serialisations of that event and nothing else.
import { toIncident } from '../../src/connectors/saas-security/map.js';
import { generateIncidents } from '../../src/emulators/saas-security/seed.js';
import { startServedGateway, type ServedGateway } from './server.js';

export interface PublishingGateway {
  gw: ServedGateway;
  publish(id: number, severity?: string): void;
}

export async function startPublishingGateway(keys: { reader: string; noRead: string }, appName: string, env: Record<string, string> = {}): Promise<PublishingGateway> {
  const gw = await startServedGateway({ SECGRAPH_API_KEYS: `${keys.reader}=read,${keys.noRead}=respond`, SAAS_SECURITY_FETCH: 'false', ...env });
  const [wire] = generateIncidents(1, Date.now());
  const incident = { ...toIncident(wire!), appName };
  const publish = (id: number, severity?: string) =>
    gw.gateway.services.pubsub.publish('incident:event', {
      id,
      kind: 'FETCHED',
      incident: severity === undefined ? incident : { ...incident, severity: severity as never },
      changedFields: [],
      at: new Date().toISOString(),
    });
  return { gw, publish };
}
