// The joins from other sources to STA users: StaAlert.user and SamlDetection.actor (Incident.assetOwner has
// its own file), each resolved against the STA emulator through the batched loaders.
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingStaAlert } from '../src/playbooks/sta-playbook-runner.js';
import { SANDBOX_PEOPLE } from '../src/emulators/sandbox-people.js';
import { FakeStaResponder } from './helpers/fake-sta-responder.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
afterEach(async () => {
  await gw.close();
});

const alert = (userName: string, n: number): IncomingStaAlert => ({
  kind: 'ACCOUNT_LOCKOUT',
  subject: 'SafeNet Trusted Access User Lockout Alert',
  messageId: `<join-${n}@sta.example>`,
  sentAt: '2026-01-05T09:20:00.000Z',
  userName,
  tenantName: 'Acme',
  instanceName: 'SafeNet Trusted Access_instance_1',
  unlockAt: '2026-01-05T10:20:00.000Z',
  source: `INBOX/1/${n}`,
  receivedAt: '2026-01-05T09:20:00.000Z',
});

describe('STA joins', () => {
  it('StaAlert.user is the STA user the email names, or null for a stranger', async () => {
    gw = await startTestGateway({ sta: true, staResponder: new FakeStaResponder() });
    const person = SANDBOX_PEOPLE[2]!;
    // recordAlert is async (the store): the query must come after both are recorded.
    await gw.services.staAlerts.recordAlert(alert(person.userName, 1));
    await gw.services.staAlerts.recordAlert(alert('nobody.here', 2));
    const { body } = await gw.gql('{ staAlerts(first: 10) { edges { node { userName user { userName email } } } } }');
    expect(body.errors).toBeUndefined();
    const byName = new Map(body.data.staAlerts.edges.map((e: any) => [e.node.userName, e.node.user]));
    expect(byName.get(person.userName)).toEqual({ userName: person.userName, email: person.email });
    expect(byName.get('nobody.here')).toBeNull();
  });

  it('SamlDetection.actor finds the STA user from the federated session name (an email)', async () => {
    gw = await startTestGateway({ sta: true, samlSandbox: true });
    const { body } = await gw.gql('{ samlDetections(first: 50) { edges { node { actorName actor { userName email } } } } }');
    expect(body.errors).toBeUndefined();
    const nodes = body.data.samlDetections.edges.map((e: any) => e.node);
    const federated = nodes.filter((n: any) => n.actorName?.includes('@'));
    expect(federated.length).toBeGreaterThan(0);
    for (const n of federated) expect(n.actor?.email).toBe(n.actorName);
    const staUserLists = gw.sta!.requestsTo(/\/users$/, 'GET').length;
    expect(staUserLists).toBeLessThanOrEqual(1);
  });
});
