// Child process of the read bench, the anchor: a bare graphql-yoga server (the gateway's versions of yoga and
// graphql) answering the same query shapes with the same 50 incidents (and cursors) from memory, and doing the
// same joins from in-memory Maps: an incident's app by app id, its asset owner by lower-cased email in the STA
// sandbox's users, the owner's groups by user id. No auth, no armor, no connector, no cache: the framework's
// own cost. Prints "READY <url>" when listening.
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { deltaPath, toDeltaQuery } from '../../src/connectors/saas-security/map.js';
import { loadConfig } from '../../src/config.js';
import { SANDBOX_APPS } from '../../src/emulators/saas-security/seed.js';
import { generateStaSeed } from '../../src/emulators/sta/seed.js';
import { ALERT_SEVERITIES, DEFAULT_SAAS_INSTANCE } from '../../src/domain/alert.js';
import { encodeCursor } from '../../src/resolvers/cursor.js';
import { deriveCursorKey } from '../../src/security/cursor-keys.js';
import { CursorSigner } from '../../src/security/cursor-signer.js';
import { saasSeverity } from '../../src/triage/source-alerts.js';
import { FIXED_NOW, incidents50 } from './incidents-50.js';

// Incident.severity is on Panther's scale (the Alert interface), as the gateway answers it.
const incidents = incidents50().map((i) => ({
  ...i,
  severity: saasSeverity(i.severity),
  createdAt: i.createdAt?.toISOString() ?? null,
  updatedAt: i.updatedAt?.toISOString() ?? null,
}));
// The gateway's cursors for the same page, signed as the gateway signs them, with the key reads.bench.ts gives
// both servers (SECGRAPH_CURSOR_KEY): the answers are equal byte for byte, which the bench checks first.
const path = deltaPath(toDeltaQuery({}, 50));
const signer = new CursorSigner([deriveCursorKey(process.env['SECGRAPH_CURSOR_KEY'] ?? 'the bare anchor signs its cursors with a key of its own')]);
const edges = incidents.map((node, i) => ({ node, cursor: encodeCursor(signer, `incidents:${deltaPath(toDeltaQuery({}, 0))}`, { path, skip: i + 1, tenant: DEFAULT_SAAS_INSTANCE }) }));
// A full page: the gateway cannot know there is no next one without asking, so it says there may be.
const connection = { edges, pageInfo: { hasNextPage: true, endCursor: edges[edges.length - 1]!.cursor } };

// The joined objects, as the sandboxes hold them (the STA emulator's seed, as the gateway's sandbox makes it).
const appsById = new Map(SANDBOX_APPS.map((a) => [a.app_id, { appId: a.app_id, appName: a.app_name, appType: a.app_type }]));
const sta = generateStaSeed(FIXED_NOW, loadConfig({}).staPlaybooks.unusualActivityGroup);
const usersByEmail = new Map(sta.users.map((u) => [u.email!.toLowerCase(), u]));
const groupsByUserId = new Map<string, Array<{ name: string }>>();
for (const [groupId, members] of sta.members) {
  const group = sta.groups.find((g) => g.id === groupId)!;
  for (const id of members) groupsByUserId.set(id, [...(groupsByUserId.get(id) ?? []), { name: group.name }]);
}

const yoga = createYoga({
  logging: false,
  landingPage: false,
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      enum Severity { ${ALERT_SEVERITIES.join(' ')} }
      enum IncidentState { OPEN CLOSED }
      type App { appId: String! appName: String! appType: String! }
      type StaGroup { name: String! }
      type StaUser { userName: String! email: String groups: [StaGroup!]! }
      type Incident {
        incidentId: Int!
        assetName: String
        assetOwnerEmail: String
        severity: Severity
        status: String
        state: IncidentState
        appName: String
        createdAt: String
        updatedAt: String
        app: App
        assetOwner: StaUser
      }
      type IncidentEdge { cursor: String! node: Incident! }
      type PageInfo { hasNextPage: Boolean! endCursor: String }
      type IncidentConnection { edges: [IncidentEdge!]! pageInfo: PageInfo! }
      type Query { incidents(first: Int): IncidentConnection! }
    `,
    resolvers: {
      Query: { incidents: () => connection },
      Incident: {
        app: (i: { appId: string | null }) => (i.appId ? (appsById.get(i.appId) ?? null) : null),
        assetOwner: (i: { assetOwnerEmail: string | null }) => usersByEmail.get(i.assetOwnerEmail?.trim().toLowerCase() ?? '') ?? null,
      },
      StaUser: { groups: (u: { id: string }) => groupsByUserId.get(u.id) ?? [] },
    },
  }),
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
