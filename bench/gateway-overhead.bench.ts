// What the gateway adds on top of the upstream: the same incident page fetched directly with the client and
// through GraphQL (yoga.fetch: mapping, execution, Incident.app through the DataLoader), printed as a ratio.
// The page cache is emptied every round so both sides pay for the upstream call; the app list stays cached,
// as it does in production.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { deltaPath, toDeltaQuery } from '../src/connectors/saas-security/map.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { createLogger } from '../src/logger.js';
import { startServices } from '../src/services.js';

const INCIDENTS = 5_000;
const ROUNDS = 20;
const PAGE = 500;

export async function run(): Promise<void> {
  const emulator = new SaasSecurityEmulator({ generatedIncidents: INCIDENTS });
  const url = await emulator.start();
  // Its own throwaway data and CloudTrail folders: a benchmark never writes into ./data.
  const dataDir = mkdtempSync(nodePath.join(tmpdir(), 'secgraph-bench-overhead-'));
  const config = loadConfig({
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dataDir,
    CLOUDTRAIL_DIR: nodePath.join(dataDir, 'cloudtrail'),
    SAAS_SECURITY_FETCH: 'false',
  });
  const running = await startServices(config, createLogger('silent'));
  const yoga = createApp({ services: running.services });
  const client = running.services.saasSecurity!.client;
  const path = deltaPath(toDeltaQuery({}, PAGE));
  const query = `{ incidents(first: ${PAGE}) { edges { node { incidentId assetName severity state updatedAt app { appName } } } } }`;

  const direct = async () => {
    const page = await client.listIncidents(path);
    return page.resources.length;
  };
  const viaGraphQL = async () => {
    await running.services.saasSecurity!.forgetIncident(0); // empties the page cache
    const res = await yoga.fetch('http://bench/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { data: { incidents: { edges: unknown[] } } };
    return body.data.incidents.edges.length;
  };
  const time = async (fn: () => Promise<number>) => {
    await fn(); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < ROUNDS; i++) if ((await fn()) !== PAGE) throw new Error('short page');
    return (performance.now() - t0) / ROUNDS;
  };

  const directMs = await time(direct);
  const gatewayMs = await time(viaGraphQL);
  console.log(`incidents page of ${PAGE}: direct client ${directMs.toFixed(1)} ms, through GraphQL ${gatewayMs.toFixed(1)} ms`);
  console.log(`gateway/direct ratio: ${(gatewayMs / directMs).toFixed(2)}x`);
  await running.close();
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
