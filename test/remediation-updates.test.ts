// Subscription.remediationUpdates against the SaaS Security emulator (its remediation stays pending for
// remediationDelayMs on its clock): each status change, completion at a terminal status, the TIMEOUT end,
// and one upstream poll per asset and type however many subscribers (counted in the emulator's request log).
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { recordedFixture } from './helpers/fixtures.js';
import { sseSubscribe, waitUntil } from './helpers/subscribers.js';

const ASSET = '61099dc46b544e38fa3ce89a';
const WATCH = `subscription($assetId: ID!, $type: RemediationType!) {
  remediationUpdates(assetId: $assetId, type: $type) { assetId remediationType status actionTaker }
}`;
const REMEDIATE = `mutation($assetId: ID!) { remediateAsset(assetId: $assetId, type: QUARANTINE) { status } }`;

let gw: TestGateway;
afterEach(async () => {
  await gw?.close();
});

const statusPolls = () => gw.emulator.requestsTo('/remediation/api/assets', 'GET');

async function gatewayWithPendingRemediation(env: Record<string, string>) {
  const clock = new ManualClock(Date.parse('2026-03-10T12:00:00.000Z'));
  gw = await startTestGateway({ clock, emulator: { remediationDelayMs: 60_000 }, env });
  const { body } = await gw.gql(REMEDIATE, { assetId: ASSET });
  expect(body.errors).toBeUndefined();
  return clock;
}

describe('remediationUpdates', () => {
  it('emits pending, then success, and completes at the terminal status', async () => {
    const clock = await gatewayWithPendingRemediation({ SAAS_SECURITY_REMEDIATION_POLL: '20ms' });
    const sub = await sseSubscribe(gw.yoga, WATCH, { variables: { assetId: ASSET, type: 'QUARANTINE' } });
    await waitUntil(() => sub.results.length === 1, 'the current status');
    expect(sub.results[0]!.data.remediationUpdates).toEqual({ assetId: ASSET, remediationType: 'QUARANTINE', status: 'pending', actionTaker: 'api' });
    const pollsWhilePending = statusPolls().length;
    await waitUntil(() => statusPolls().length >= pollsWhilePending + 2, 'more polls');
    // Polls while nothing changed emit nothing.
    expect(sub.results).toHaveLength(1);
    clock.advance(60_000);
    await waitUntil(() => sub.ended !== null, 'completion');
    expect(sub.results.map((r) => r.data?.remediationUpdates?.status)).toEqual(['pending', 'success']);
    expect(sub.ended).toEqual({});
    expect(gw.services.remediationUpdates!.activePolls).toBe(0);
  });

  it('ends with a TIMEOUT error after SAAS_SECURITY_REMEDIATION_TIMEOUT and stops polling', async () => {
    await gatewayWithPendingRemediation({ SAAS_SECURITY_REMEDIATION_POLL: '20ms', SAAS_SECURITY_REMEDIATION_TIMEOUT: '200ms' });
    const sub = await sseSubscribe(gw.yoga, WATCH, { variables: { assetId: ASSET, type: 'QUARANTINE' } });
    await waitUntil(() => sub.ended !== null, 'the timeout');
    expect(sub.results[0]!.data.remediationUpdates.status).toBe('pending');
    const last = sub.results[sub.results.length - 1]!;
    expect(last.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
    expect(gw.services.remediationUpdates!.activePolls).toBe(0);
    const polls = statusPolls().length;
    await new Promise((r) => setTimeout(r, 60));
    expect(statusPolls().length).toBe(polls);
  });

  it('polls the upstream once per asset and type however many clients subscribe', async () => {
    // A long poll interval: only the first poll happens while the test looks.
    await gatewayWithPendingRemediation({ SAAS_SECURITY_REMEDIATION_POLL: '1h' });
    const subs = await Promise.all(Array.from({ length: 4 }, () => sseSubscribe(gw.yoga, WATCH, { variables: { assetId: ASSET, type: 'QUARANTINE' } })));
    await waitUntil(() => subs.every((s) => s.results.length === 1), 'every subscriber has the current status');
    const late = await sseSubscribe(gw.yoga, WATCH, { variables: { assetId: ASSET, type: 'QUARANTINE' } });
    await waitUntil(() => late.results.length === 1, 'the late subscriber has the current status');
    expect([...subs, late].map((s) => s.results[0]!.data.remediationUpdates.status)).toEqual(Array(5).fill('pending'));
    expect(statusPolls()).toHaveLength(1);
    expect(gw.services.remediationUpdates!.activePolls).toBe(1);
    // Another type of the same asset is another poll.
    const restore = await sseSubscribe(gw.yoga, WATCH, { variables: { assetId: ASSET, type: 'RESTORE' } });
    await waitUntil(() => restore.ended !== null, 'the unknown remediation ends');
    expect(restore.results[0]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(statusPolls()).toHaveLength(2);
    for (const s of [...subs, late]) await s.cancel();
    await waitUntil(() => gw.services.remediationUpdates!.activePolls === 0, 'the poller stops with its last subscriber');
  });

  it('the recorded finished remediation (success) is emitted once and completes', async () => {
    gw = await startTestGateway();
    const recorded = recordedFixture<{ asset_id: string }>('saas-security/get-asset-remediation-status.json');
    gw.emulator.putRemediation(recordedFixture('saas-security/get-asset-remediation-status.json'));
    const sub = await sseSubscribe(gw.yoga, WATCH, { variables: { assetId: recorded.asset_id, type: 'QUARANTINE' } });
    await waitUntil(() => sub.ended !== null, 'completion');
    expect(sub.results.map((r) => r.data.remediationUpdates)).toEqual([
      { assetId: '61099dd36b544e38fa3d22b9', remediationType: 'QUARANTINE', status: 'success', actionTaker: 'api' },
    ]);
    expect(statusPolls()).toHaveLength(1);
  });
});
