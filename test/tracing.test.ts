// OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT, each upstream call is exported as a client span (OTLP over
// HTTP) to a collector, here a loopback server that keeps what it receives.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AppsDocument } from './gql/graphql.js';
import { startTestGateway } from './helpers/gateway.js';

describe('OpenTelemetry traces', () => {
  it('exports a span per upstream call, named after upstream and operation, with its status', async () => {
    const received: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += String(d)));
      req.on('end', () => {
        if (req.url === '/v1/traces') received.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const gw = await startTestGateway({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    try {
      expect((await gw.gql(AppsDocument)).body.errors).toBeUndefined();
      gw.emulator.injectFault({ kind: 'reject', status: 400, message: 'nope' }, { times: 1, path: /\/incident\/api\/incidents\/3$/ });
      await gw.gql('{ incident(id: "3") { incidentId } }');
    } finally {
      await gw.close(); // flushes the buffered spans
      await new Promise((r) => collector.close(r));
    }
    const spans = received
      .flatMap((b) => JSON.parse(b).resourceSpans)
      .flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
    const names = spans.map((s: any) => s.name);
    expect(names).toContain('SaaS Security listApps');
    const failed = spans.find((s: any) => s.name === 'SaaS Security getIncident');
    expect(failed.status.code).toBe(2); // ERROR
    expect(failed.attributes).toContainEqual({ key: 'secgraph.error_code', value: { stringValue: 'UPSTREAM_REJECTED' } });
    expect(received.join('')).toContain('{"key":"service.name","value":{"stringValue":"secgraph"}}');
  });
});
