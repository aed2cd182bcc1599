// Apps (cached, batched for Incident.app) and asset remediation, against the SaaS Security emulator.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppsDocument, IncidentPageDocument, RemediateAssetDocument, RemediationStatusDocument } from './gql/graphql.js';
import { recordedFixture } from './helpers/fixtures.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ fixtures: true, emulator: { generatedIncidents: 200 } });
});
afterEach(async () => {
  await gw.close();
});

describe('apps', () => {
  it('lists the apps from the bare JSON array the API returns', async () => {
    const { body } = await gw.gql(AppsDocument);
    expect(body.errors).toBeUndefined();
    expect(body.data!.apps[0]).toEqual({
      id: 'acf49b2389c09f26ad0ccd2b1a603328',
      appId: 'acf49b2389c09f26ad0ccd2b1a603328',
      appName: 'Box 1',
      appType: 'box',
    });
    expect(body.data!.apps.map((a) => a.appType)).toContain('office365');
  });

  it('resolves Incident.app for hundreds of incidents with one upstream apps call, cached across queries', async () => {
    const { body } = await gw.gql(IncidentPageDocument, { first: 200 });
    expect(body.data!.incidents.edges.every((e) => e.node.app?.appName)).toBe(true);
    await gw.gql(AppsDocument);
    expect(gw.emulator.requestsTo('/incident/api/apps')).toHaveLength(1);
  });
});

describe('remediation', () => {
  it('starts each remediation type with the body the API expects and reports pending (spec T9)', async () => {
    const cases = [
      ['REMOVE_PUBLIC_SHARING', true, { remediation_type: 'remove_public_sharing', remove_inherited_sharing: true, asset_id: 'a1' }],
      ['REMOVE_PUBLIC_SHARING', undefined, { remediation_type: 'remove_public_sharing', remove_inherited_sharing: false, asset_id: 'a1' }],
      ['QUARANTINE', undefined, { remediation_type: 'system_quarantine', asset_id: 'a1' }],
      ['RESTORE', undefined, { remediation_type: 'system_restore', asset_id: 'a1' }],
    ] as const;
    for (const [type, removeInheritedSharing, wire] of cases) {
      gw.emulator.requests.length = 0;
      const vars = removeInheritedSharing === undefined ? { assetId: 'a1', type } : { assetId: 'a1', type, removeInheritedSharing };
      const { body } = await gw.gql(RemediateAssetDocument, vars);
      expect(body.errors).toBeUndefined();
      expect(body.data!.remediateAsset).toEqual({ assetId: 'a1', remediationType: type, status: 'pending' });
      const [post] = gw.emulator.requestsTo('/remediation/api/assets', 'POST');
      // Key order too: the reference builds remediation_type, remove_inherited_sharing, asset_id.
      expect(post!.body).toBe(JSON.stringify(wire));
    }
  });

  it('refuses removeInheritedSharing for types it does not apply to, before calling the upstream', async () => {
    const { body } = await gw.gql(RemediateAssetDocument, { assetId: 'a1', type: 'QUARANTINE', removeInheritedSharing: true });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(gw.emulator.requestsTo('/remediation/api/assets')).toHaveLength(0);
  });

  it('reads the recorded remediation status, dates with a +0000 offset included (spec T11)', async () => {
    const fixture = recordedFixture<Record<string, string>>('saas-security/get-asset-remediation-status.json');
    const { body } = await gw.gql(RemediationStatusDocument, { assetId: fixture['asset_id']!, type: 'QUARANTINE' });
    expect(body.errors).toBeUndefined();
    expect(body.data!.remediationStatus).toEqual({
      assetId: fixture['asset_id'],
      assetName: 'ml_file.java',
      remediationType: 'QUARANTINE',
      actionTaker: 'api',
      actionDate: '2021-08-24T17:09:53.547Z',
      status: 'success',
    });
    const [get] = gw.emulator.requestsTo('/remediation/api/assets', 'GET');
    expect(get!.query.get('remediation_type')).toBe('system_quarantine');
    expect(get!.query.get('asset_id')).toBe(fixture['asset_id']);
  });

  it('is null when the asset has no remediation of that type, and follows a new one from pending', async () => {
    const none = await gw.gql(RemediationStatusDocument, { assetId: 'nothing-here', type: 'RESTORE' });
    expect(none.body.errors).toBeUndefined();
    expect(none.body.data!.remediationStatus).toBeNull();
    await gw.gql(RemediateAssetDocument, { assetId: 'fresh', type: 'RESTORE' });
    const after = await gw.gql(RemediationStatusDocument, { assetId: 'fresh', type: 'RESTORE' });
    expect(after.body.data!.remediationStatus).toMatchObject({ assetId: 'fresh', remediationType: 'RESTORE', actionTaker: 'api' });
  });

  it('rejects an empty asset id', async () => {
    const { body } = await gw.gql(RemediationStatusDocument, { assetId: '  ', type: 'RESTORE' });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
