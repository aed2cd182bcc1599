// Child process of the read bench, the anchor: a bare graphql-yoga server (the gateway's versions of yoga and
// graphql) answering the same query shape with the same 50 incidents (and cursors) from memory. No auth, no armor, no
// connector, no cache: the framework's own cost. Prints "READY <url>" when listening.
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { deltaPath, toDeltaQuery } from '../../src/connectors/saas-security/map.js';
import { encodeCursor } from '../../src/resolvers/cursor.js';
import { incidents50 } from './incidents-50.js';

const incidents = incidents50().map((i) => ({ ...i, createdAt: i.createdAt?.toISOString() ?? null, updatedAt: i.updatedAt?.toISOString() ?? null }));
// The gateway's cursors for the same page, so both answers are the same bytes.
const path = deltaPath(toDeltaQuery({}, 50));
const edges = incidents.map((node, i) => ({ node, cursor: encodeCursor({ path, skip: i + 1 }) }));
const connection = { edges, pageInfo: { hasNextPage: false, endCursor: edges[edges.length - 1]!.cursor } };

const yoga = createYoga({
  logging: false,
  landingPage: false,
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      enum Severity { INFORMATIONAL LOW MEDIUM HIGH CRITICAL }
      enum IncidentState { OPEN CLOSED }
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
      }
      type IncidentEdge { cursor: String! node: Incident! }
      type PageInfo { hasNextPage: Boolean! endCursor: String }
      type IncidentConnection { edges: [IncidentEdge!]! pageInfo: PageInfo! }
      type Query { incidents(first: Int): IncidentConnection! }
    `,
    resolvers: { Query: { incidents: () => connection } },
  }),
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
