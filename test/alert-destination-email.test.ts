// The email destination through a real MTA: Debian's Postfix on loopback, STARTTLS with a certificate the
// gateway is told to trust, SMTP AUTH (checked by Dovecot's SASL against its passwd file), delivering into the
// Dovecot the STA alert tests use; the test reads what arrived over IMAP. The SaaS incident's asset owner gets
// the mail too (the XSOAR "Incident Processor" playbook), a wrong password is a permanent failure, and the
// SMTP password never reaches a log or a response.
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from './helpers/gateway.js';
import { eventually, ingestSaml, samlRecord, startDestinationGateway } from './helpers/destinations.js';
import { startDovecot, type TestDovecot } from './helpers/dovecot.js';
import { startPostfix, type TestPostfix } from './helpers/postfix.js';

const OWNER_DOMAIN = 'cirrotester.com';

let dovecot: TestDovecot;
let postfix: TestPostfix;
beforeAll(async () => {
  dovecot = await startDovecot();
  postfix = await startPostfix(dovecot, ['example.test', OWNER_DOMAIN]);
}, 60_000);
afterAll(async () => {
  await postfix?.stop();
  await dovecot?.stop();
});

const gateways: TestGateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
});

function emailDestination(extra: Record<string, unknown> = {}) {
  return {
    name: 'soc-mail',
    type: 'email',
    smtp: { host: '127.0.0.1', port: postfix.port, starttls: true, user: dovecot.user, password: '${SMTP_PASSWORD}', caFile: postfix.caFile },
    from: 'secgraph@secgraph.test',
    to: [dovecot.user],
    retryBaseDelay: '50ms',
    ...extra,
  };
}

async function inbox(): Promise<Array<{ to: string; subject: string; messageId: string; text: string; headers: Map<string, unknown> }>> {
  const c = dovecot.client;
  const lock = await c.getMailboxLock('INBOX');
  try {
    // A mailbox already selected learns of new messages on the next command.
    await c.noop();
    const out = [];
    for await (const msg of c.fetch('1:*', { source: true })) {
      const parsed = await simpleParser(msg.source!);
      out.push({ to: (parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : ''), subject: parsed.subject ?? '', messageId: parsed.messageId ?? '', text: parsed.text ?? '', headers: parsed.headers });
    }
    return out;
  } catch {
    return [];
  } finally {
    lock.release();
  }
}

describe('email destination', () => {
  it('sends a new SAML detection over STARTTLS with SMTP AUTH; the Message-ID is the delivery id', async () => {
    const gw = await startDestinationGateway([emailDestination()], { SMTP_PASSWORD: dovecot.password });
    gateways.push(gw);
    await ingestSaml(gw, samlRecord('mallory-mail'));
    const [mail] = await eventually(async () => {
      const all = (await inbox()).filter((m) => m.subject.includes('mallory-mail'));
      return all.length ? all : undefined;
    }, 20_000, 'the mail in Dovecot');
    expect(mail!.subject).toMatch(/^\[secgraph (INFO|LOW|MEDIUM|HIGH|CRITICAL)\] New alert: /);
    expect(mail!.text).toContain('Source:   SAML_DETECTION');
    const alertId = String(mail!.headers.get('x-secgraph-alert-id'));
    expect(alertId).toMatch(/^saml:/);
    const [d] = await eventually(async () => {
      const list = (await gw.services.destinations.deliveriesOf([alertId])).get(alertId)!;
      return list[0]?.status === 'DELIVERED' ? list : undefined;
    });
    expect(mail!.messageId).toBe(`<${d!.id}@secgraph>`);
    expect(d).toMatchObject({ destination: 'soc-mail', responseStatus: 250, attempt: 1 });
    // Postfix saw TLS and an authenticated user.
    expect(postfix.log()).toMatch(/starttls=1 auth=1 mail=1 rcpt=1 data=1/);
    expect(postfix.log()).toContain(`sasl_username=${dovecot.user}`);
    expect(gw.logs.text).not.toContain(dovecot.password);
  });

  it('mails the asset owner of a fetched SaaS Security incident as well', async () => {
    const gw = await startDestinationGateway([emailDestination({ assetOwner: true, filters: { sources: ['SAAS_INCIDENT'] } })], { SMTP_PASSWORD: dovecot.password, SAAS_SECURITY_FIRST_FETCH: '2021-08-01' }, { fixtures: true });
    gateways.push(gw);
    await gw.services.incidentSync!.runOnce();
    const mails = await eventually(async () => {
      const all = (await inbox()).filter((m) => m.subject.includes('New alert') && String(m.headers.get('x-secgraph-alert-id')).startsWith('saas:'));
      return all.length >= 8 ? all : undefined;
    }, 30_000, 'eight incident mails');
    for (const m of mails) {
      expect(m.to).toContain(dovecot.user);
      expect(m.to).toContain(`xsoartest@${OWNER_DOMAIN}`);
      expect(m.text).toContain('You receive this as the owner of the asset above');
    }
  });

  it('fails a wrong SMTP password for good (535), without retrying and without logging it', async () => {
    const gw = await startDestinationGateway([emailDestination()], { SMTP_PASSWORD: 'wrong-password-0451' });
    gateways.push(gw);
    await ingestSaml(gw, samlRecord('wrong-pass'));
    const summary = await eventually(async () => {
      const [s] = await gw.services.destinations.summaries();
      return s!.failed === 1 ? s : undefined;
    }, 20_000, 'the failed delivery');
    expect(summary!.lastError).toMatch(/^SMTP 535/);
    expect(gw.logs.text).not.toContain('wrong-password-0451');
    expect(JSON.stringify(await gw.services.destinations.summaries())).not.toContain('wrong-password-0451');
  });
});
