// GraphQL over HTTP (POST and GET /graphql, SSE, graphql-sse's distinct connections) authenticates before
// anything else: before the body is read, the document parsed or validated against the schema. A request
// without a valid credential on a gateway with keys or an identity provider gets 401 UNAUTHENTICATED (with
// `WWW-Authenticate: Bearer`) or 429 from the throttle (auth-gate.ts), so a keyless client learns nothing of
// the schema ("Cannot query field") and cannot make the gateway validate, coerce or log its documents.
// Routes that answer before this hook stay public: /health, /ready, /metrics, GraphiQL's page and assets,
// the console and its config.json, MCP's protected-resource metadata; /ingest/cloudtrail, /audit.jsonl and
// /mcp go through the same gate themselves.
import type { Plugin } from 'graphql-yoga';
import { addressOfServerContext, refusalError, type AuthGate } from './auth-gate.js';

export function useAuthenticateFirst(gate: AuthGate): Plugin {
  return {
    onRequestParse({ request, serverContext }) {
      // An open gateway: everyone is the open principal, nothing to wait for.
      if (gate.open) return;
      return gate.admit(request.headers.get('authorization'), addressOfServerContext(serverContext)).then((admission) => {
        // Thrown here, yoga answers it as a result (JSON, SSE or multipart, as the client accepts) with its status.
        if (!admission.principal) throw refusalError(admission);
        gate.remember(request, admission);
      });
    },
  };
}
