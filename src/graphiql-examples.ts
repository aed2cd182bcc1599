// The operations GraphiQL opens with, one tab each, for someone who has never seen the schema: a query, a
// mutation, a live subscription, the STA graph and the SAML detections. test/graphiql-examples.test.ts
// validates every one against the schema.
export interface ExampleTab {
  query: string;
  variables?: string;
}

export const OPEN_INCIDENTS = `# secgraph: one graph over SaaS Security, SafeNet Trusted Access and SAML detections.
# Each tab is an example. With API keys, put {"Authorization": "Bearer <key>"} in the Headers tab below.
query OpenIncidents {
  gateway { version sandboxes }
  incidents(first: 10, filter: { state: OPEN }) {
    edges { node { incidentId assetName severity status app { appName } assetOwnerEmail updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export const EXAMPLE_TABS: ExampleTab[] = [
  { query: OPEN_INCIDENTS },
  {
    query: `# A mutation: close an incident upstream (needs the respond scope). Set the id in Variables.
mutation CloseIncident($id: ID!) {
  closeIncident(id: $id, category: MISIDENTIFIED) { incidentId state status category }
}
`,
    variables: '{ "id": "3" }',
  },
  {
    query: `# A live subscription: incidents as they are fetched, mirrored or closed. Run it, then close one
# in the mutation tab and watch the event arrive.
subscription IncidentEvents {
  incidentEvents { kind at changedFields incident { incidentId state status } }
}
`,
  },
  {
    query: `# The STA graph: users with their groups, applications and sessions, joined by the gateway.
query StaUsers {
  staUsers(first: 5) {
    edges { node { userName email groups { name } applications { name } sessions { id } } }
  }
}
`,
  },
  {
    query: `# AWS.Suspicious.SAML.Activity detections over CloudTrail, with the actor resolved in STA.
query SamlDetections {
  samlDetections(first: 10) {
    edges { node { id title severity eventCount firstEventAt lastEventAt actorName actor { userName } } }
  }
}
`,
  },
];
