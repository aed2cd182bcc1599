// Settings port one-to-one from an XSOAR instance of the reference integration: the values as its instance
// export carries them (its fetch unit test T5 uses first_fetch "3 days", max_fetch "50", state "Open",
// severity "High,Low", status "Assigned", mirror_direction "Incoming And Outgoing").
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startTestGateway } from './helpers/gateway.js';

const base = { SECGRAPH_DATA_DIR: '/tmp/secgraph-config-test' };
const fetchConfig = (env: Record<string, string>) => loadConfig({ ...base, ...env }).incidentFetch;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('the reference instance parameters', () => {
  it('reads the fetch test T5 parameters as exported', () => {
    const c = fetchConfig({
      SAAS_SECURITY_FIRST_FETCH: '3 days',
      SAAS_SECURITY_MAX_FETCH: '50',
      SAAS_SECURITY_FETCH_STATE: 'Open',
      SAAS_SECURITY_FETCH_SEVERITY: 'High,Low',
      SAAS_SECURITY_FETCH_STATUS: 'Assigned',
      SAAS_SECURITY_MIRROR_DIRECTION: 'Incoming And Outgoing',
    });
    expect(c).toMatchObject({
      firstFetch: { kind: 'ago', ms: 3 * DAY },
      maxFetch: 50,
      state: 'OPEN',
      severities: ['HIGH', 'LOW'],
      statuses: ['ASSIGNED'],
      mirrorDirection: 'Both',
    });
  });

  it.each([
    ['Incoming And Outgoing', 'Both'],
    ['incoming and  outgoing', 'Both'],
    ['Outgoing', 'Outgoing'],
    ['Incoming', 'Incoming'],
    ['None', 'None'],
  ])('mirror direction %s is %s', (raw, direction) => {
    expect(fetchConfig({ SAAS_SECURITY_MIRROR_DIRECTION: raw }).mirrorDirection).toBe(direction);
  });

  it.each([
    ['3 days', { kind: 'ago', ms: 3 * DAY }],
    ['12 hours', { kind: 'ago', ms: 12 * HOUR }],
    ['yesterday', { kind: 'ago', ms: DAY }],
    ['2 weeks ago', { kind: 'ago', ms: 14 * DAY }],
    ['an hour ago', { kind: 'ago', ms: HOUR }],
    ['30 minutes', { kind: 'ago', ms: 30 * 60_000 }],
    ['now', { kind: 'ago', ms: 0 }],
    ['2021-08-21', { kind: 'at', epochMs: Date.parse('2021-08-21T00:00:00.000Z') }],
    ['2021-08-21T18:04:00Z', { kind: 'at', epochMs: Date.parse('2021-08-21T18:04:00.000Z') }],
    ['2021-08-21 18:04', { kind: 'at', epochMs: Date.parse('2021-08-21T18:04:00.000Z') }],
    ['2020-11-18T13:16:52.005+02:00', { kind: 'at', epochMs: Date.parse('2020-11-18T11:16:52.005Z') }],
  ])('first fetch "%s" reads as dateparser does', (raw, expected) => {
    expect(fetchConfig({ SAAS_SECURITY_FIRST_FETCH: raw }).firstFetch).toEqual(expected);
  });

  it.each([
    ['5', 10],
    ['0', 10],
    ['1001', 1000],
    ['5000', 1000],
  ])('max fetch %s is clamped to %i with a warning, not refused', (raw, clamped) => {
    const config = loadConfig({ ...base, SAAS_SECURITY_MAX_FETCH: raw });
    expect(config.incidentFetch.maxFetch).toBe(clamped);
    expect(config.warnings).toEqual([{ variable: 'SAAS_SECURITY_MAX_FETCH', message: `${raw} is outside 10..1000: using ${clamped}` }]);
  });

  it('logs the clamp as a warning when the gateway starts', async () => {
    const gw = await startTestGateway({ env: { SAAS_SECURITY_MAX_FETCH: '5' } });
    try {
      const line = gw.logs.lines.map((l) => JSON.parse(l)).find((l) => l.variable === 'SAAS_SECURITY_MAX_FETCH');
      expect(line).toMatchObject({ level: 40, msg: 'configuration adjusted: SAAS_SECURITY_MAX_FETCH: 5 is outside 10..1000: using 10' });
    } finally {
      await gw.close();
    }
  });

  it.each([
    ['1,2,3,4,5', ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']],
    ['Informational,Low,Medium,High,Critical', ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']],
    ['4, Critical', ['HIGH', 'CRITICAL']],
  ])('severity filter %s (numeric 1..5 as the reference\'s selectValues, or labels)', (raw, severities) => {
    expect(fetchConfig({ SAAS_SECURITY_FETCH_SEVERITY: raw }).severities).toEqual(severities);
  });
});
