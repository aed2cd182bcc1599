// The audit trail on one gateway (SQLite): entries begun, completed once and recorded whole; Query.auditLog
// newest first with filters and cursors; GET /audit.jsonl?since; the `audit` scope on both; secrets never
// kept in details; background jobs' lease changes recorded as SYSTEM.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../src/identity/actor.js';
import { registerSecret } from '../src/logger.js';
import { print } from 'graphql';
import { AuditEventsDocument, AuditLogDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { sseSubscribe, waitUntil } from './helpers/subscribers.js';

const AUDITOR = 'auditor-key-0001';
const READER = 'reader-key-0002';
const RESPONDER = 'responder-key-0003';
const ANALYST = { kind: 'USER' as const, id: 'u-1', name: 'Ann Alyst', email: 'ann@example.com' };

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ env: { SECGRAPH_API_KEYS: `${AUDITOR}=audit,${READER}=read,${RESPONDER}=read+respond` } });
});
afterEach(async () => {
  await gw.close();
});

const page = async (variables: Record<string, unknown>, key = AUDITOR) => {
  const r = await gw.gql(AuditLogDocument, variables, key);
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.auditLog;
};

const jsonl = (query: string, key?: string) =>
  gw.yoga.fetch(`http://yoga/audit.jsonl${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('audit log', () => {
  it('an action begun is ATTEMPTED until completed, once: a second completion changes nothing', async () => {
    const entry = await gw.services.audit.begin({ actor: ANALYST, action: 'closeIncident', target: 'incident:1042', requestId: 'req-1', details: { category: 'RESOLVED_OTHER' } });
    let [first] = (await page({ filter: { action: 'closeIncident' } })).edges;
    expect(first!.node).toMatchObject({ outcome: 'ATTEMPTED', completedAt: null, target: 'incident:1042', requestId: 'req-1', actor: ANALYST, instance: gw.services.leases.instanceId });
    await entry.failed('UPSTREAM_REJECTED', { upstreamStatus: 409 });
    await entry.succeeded();
    [first] = (await page({ filter: { action: 'closeIncident' } })).edges;
    expect(first!.node).toMatchObject({ outcome: 'FAILED', errorCode: 'UPSTREAM_REJECTED', details: { category: 'RESOLVED_OTHER', upstreamStatus: 409 } });
    expect(first!.node.completedAt).not.toBeNull();
    expect(Number(first!.node.sequence)).toBeGreaterThan(Number(first!.node.id));
  });

  it('auditLog pages newest first, filtered by actor, action, target, outcome and time', async () => {
    for (let i = 0; i < 5; i++) {
      await gw.services.audit.record({ actor: ANALYST, action: 'removeStaUserFromGroup', target: `staUser:user${i}`, requestId: null, outcome: i === 3 ? 'FAILED' : 'SUCCEEDED', errorCode: i === 3 ? 'NOT_FOUND' : null });
    }
    await gw.services.audit.record({ actor: systemActor('sta-playbook-timers'), action: 'playbook.removeFromGroup', target: 'staUser:user0', requestId: null, outcome: 'SUCCEEDED' });
    const p1 = await page({ first: 2, filter: { actorId: 'u-1' } });
    expect(p1.edges.map((e: any) => e.node.target)).toEqual(['staUser:user4', 'staUser:user3']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = await page({ first: 2, after: p1.pageInfo.endCursor, filter: { actorId: 'u-1' } });
    expect(p2.edges.map((e: any) => e.node.target)).toEqual(['staUser:user2', 'staUser:user1']);
    expect(p2.pageInfo.hasPreviousPage).toBe(true);
    const p3 = await page({ first: 2, after: p2.pageInfo.endCursor, filter: { actorId: 'u-1' } });
    expect(p3.edges.map((e: any) => e.node.target)).toEqual(['staUser:user0']);
    expect(p3.pageInfo.hasNextPage).toBe(false);

    expect((await page({ filter: { outcome: 'FAILED' } })).edges.map((e: any) => [e.node.target, e.node.errorCode])).toEqual([['staUser:user3', 'NOT_FOUND']]);
    expect((await page({ filter: { target: 'staUser:user0' } })).edges.map((e: any) => e.node.actor.kind)).toEqual(['SYSTEM', 'USER']);
    expect((await page({ filter: { action: 'playbook.removeFromGroup' } })).edges.map((e: any) => e.node.actor.id)).toEqual(['sta-playbook-timers']);
    expect((await page({ filter: { to: '2000-01-01T00:00:00Z' } })).edges).toEqual([]);
    expect((await page({ filter: { actorId: 'u-1', from: new Date(Date.now() - 60_000).toISOString() } })).edges).toHaveLength(5);

    const bad = await gw.gql(AuditLogDocument, { after: 'not-a-cursor' }, AUDITOR);
    expect(bad.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('background jobs record taking their lease as SYSTEM, target job:<name>', async () => {
    const leases = (await page({ filter: { action: 'lease.acquired' } })).edges.map((e: any) => e.node);
    expect(leases.map((e: any) => e.target)).toContain('job:incident-fetch');
    expect(leases.map((e: any) => e.target)).toContain('job:sta-playbook-timers');
    for (const e of leases) expect(e).toMatchObject({ outcome: 'SUCCEEDED', actor: { kind: 'SYSTEM', id: e.target.slice('job:'.length) } });
  });

  it('needs the audit scope: a read or respond key gets FORBIDDEN, no key UNAUTHENTICATED', async () => {
    for (const key of [READER, RESPONDER]) {
      const r = await gw.gql(AuditLogDocument, {}, key);
      expect(r.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
      expect(r.body.data ?? null).toBeNull();
      const http = await jsonl('', key);
      expect(http.status).toBe(403);
      expect(((await http.json()) as any).error.code).toBe('FORBIDDEN');
    }
    expect((await gw.gql(AuditLogDocument, {})).body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect((await jsonl('')).status).toBe(401);
  });

  it('GET /audit.jsonl streams the entries begun since a time, oldest first, one JSON object a line', async () => {
    await gw.services.audit.record({ actor: ANALYST, action: 'old', target: null, requestId: null, outcome: 'SUCCEEDED' });
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    for (const n of [1, 2, 3]) await gw.services.audit.record({ actor: ANALYST, action: `new${n}`, target: `incident:${n}`, requestId: null, outcome: 'SUCCEEDED' });
    const r = await jsonl(`?since=${encodeURIComponent(since)}`, AUDITOR);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await r.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.action)).toEqual(['new1', 'new2', 'new3']);
    expect(lines[0]).toMatchObject({ actor: ANALYST, target: 'incident:1', outcome: 'SUCCEEDED' });
    const all = (await (await jsonl('', AUDITOR)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(all.map((l) => l.action)).toContain('old');
    expect((await jsonl('?since=yesterday', AUDITOR)).status).toBe(400);
  });

  it('never keeps a secret in details: credential keys are redacted and configured secrets scrubbed', async () => {
    registerSecret('s3cr3t-value-xyz');
    await gw.services.audit.record({
      actor: ANALYST,
      action: 'configureDestination',
      target: 'destination:pager',
      requestId: null,
      outcome: 'SUCCEEDED',
      details: { name: 'pager', webhookUrl: 'https://hooks.example/T000/B000/XXXX', nested: { clientSecret: 'abc', routingKey: 'rk', note: 'uses s3cr3t-value-xyz' }, token: 't' },
    });
    const [e] = (await page({ filter: { action: 'configureDestination' } })).edges;
    expect(e!.node.details).toEqual({ name: 'pager', webhookUrl: '[REDACTED]', nested: { clientSecret: '[REDACTED]', routingKey: '[REDACTED]', note: 'uses [REDACTED]' }, token: '[REDACTED]' });
    const text = await (await jsonl('', AUDITOR)).text();
    for (const secret of ['hooks.example', 'abc"', 's3cr3t-value-xyz']) expect(text).not.toContain(secret);
  });

  it('auditEvents: each write live (ATTEMPTED, then the outcome); with after, what came after that sequence first, each once', async () => {
    const start = Number(await gw.services.auditTrail!.lastId());
    const a = await gw.services.audit.begin({ actor: ANALYST, action: 'addStaUserToGroup', target: 'staUser:alice', requestId: null });
    await gw.services.audit.record({ actor: ANALYST, action: 'resetStaUserPassword', target: 'staUser:bob', requestId: null, outcome: 'SUCCEEDED' });
    await a.succeeded();
    // Resuming after the first write: alice's entry now sits at its completion's sequence, bob's before it.
    const sub = await sseSubscribe(gw.yoga, print(AuditEventsDocument), { key: AUDITOR, variables: { after: String(start), filter: { actorId: 'u-1' } } });
    await waitUntil(() => sub.results.length >= 2, 'the two replayed entries');
    const live = await gw.services.audit.begin({ actor: ANALYST, action: 'removeStaUserFromGroup', target: 'staUser:alice', requestId: null });
    await live.failed('UPSTREAM_UNAVAILABLE');
    await gw.services.audit.record({ actor: systemActor('incident-fetch'), action: 'other', target: null, requestId: null, outcome: 'SUCCEEDED' });
    await waitUntil(() => sub.results.length >= 4, 'the live writes');
    await new Promise((r) => setTimeout(r, 100));
    const got = sub.results.map((r) => r.data.auditEvents);
    expect(got.map((e: any) => [e.action, e.outcome])).toEqual([
      ['resetStaUserPassword', 'SUCCEEDED'],
      ['addStaUserToGroup', 'SUCCEEDED'],
      ['removeStaUserFromGroup', 'ATTEMPTED'],
      ['removeStaUserFromGroup', 'FAILED'],
    ]);
    const seqs = got.map((e: any) => Number(e.sequence));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(got[2].id).toBe(got[3].id);
    await sub.cancel();

    const forbidden = await sseSubscribe(gw.yoga, print(AuditEventsDocument), { key: READER });
    await waitUntil(() => forbidden.ended !== null || forbidden.results.length > 0, 'the refusal');
    expect(forbidden.results[0]?.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    await forbidden.cancel();
  });
});
