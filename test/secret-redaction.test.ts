// Secrets (client secret, Basic credentials, access tokens, API keys) never appear in responses or logs,
// whatever happens: normal calls, renewals after a 401, upstream failures, bad keys, debug logging.
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../src/emulators/saas-security/emulator.js';
import { createLogger, registerSecret } from '../src/logger.js';
import { LogCapture, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
afterEach(async () => {
  await gw.close();
});

const API_KEY = 'top-secret-api-key-42';

describe('secret redaction', () => {
  it('keeps every secret out of responses and debug logs across a rough session', async () => {
    gw = await startTestGateway({ fixtures: true, env: { SECGRAPH_API_KEYS: `${API_KEY}=read+respond` } });
    registerSecret(API_KEY); // as server.ts does at start
    const responses: string[] = [];
    const run = async (q: string, key: string | undefined = API_KEY) => responses.push(JSON.stringify((await gw.gql(q, undefined, key)).body));

    await run('{ apps { appId } }');
    gw.emulator.expireTokens();
    await run('{ incident(id: "3") { incidentId } }');
    gw.emulator.injectFault({ kind: 'reject', status: 401, message: 'token rejected' }, { times: 2 });
    await run('{ incident(id: "4") { incidentId } }');
    gw.emulator.injectFault({ kind: 'server-error', status: 503 }, { times: 5 });
    await run('{ incident(id: "5") { incidentId } }');
    await run('{ incidents(first: 5) { edges { node { incidentId } } } }');
    await run('{ apps { appId } }', `${API_KEY}-wrong`);
    await run('{ apps { appId } }', 'Bearer nope');

    const tokens = new Set(
      gw.emulator.requests.map((r) => /^Bearer (.+)$/.exec(r.headers['authorization'] ?? '')?.[1]).filter((t): t is string => Boolean(t)),
    );
    expect(tokens.size).toBeGreaterThanOrEqual(2);
    const basic = Buffer.from(`${EMULATOR_CLIENT_ID}:${EMULATOR_CLIENT_SECRET}`).toString('base64');
    const secrets = [EMULATOR_CLIENT_SECRET, basic, API_KEY, ...tokens];
    const everything = `${responses.join('\n')}\n${gw.logs.text}`;
    expect(gw.logs.lines.length).toBeGreaterThan(10);
    for (const s of secrets) expect(everything).not.toContain(s);
  });

  it('scrubs registered secrets from free-text log messages and redacts secret-named fields', () => {
    const out = new LogCapture();
    const logger = createLogger('debug', out);
    registerSecret('s3cr3t-value-xyz');
    logger.info(`oops, interpolated s3cr3t-value-xyz into a message`);
    logger.info({ authorization: 'Bearer abc', headers: { authorization: 'Basic zzz' }, clientSecret: 'cs', password: 'pw' }, 'with fields');
    expect(out.text).not.toContain('s3cr3t-value-xyz');
    expect(out.text).not.toContain('Bearer abc');
    expect(out.text).not.toContain('Basic zzz');
    expect(out.text).not.toMatch(/"clientSecret":"cs"|"password":"pw"/);
    expect(out.text).toContain('[REDACTED]');
  });
});
