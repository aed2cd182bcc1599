// GET /audit.jsonl?since=<iso>: the audit trail as JSON lines, oldest first, for shipping to a SIEM. One line
// per entry begun at or after `since` (all without it), as the entry is now (an ATTEMPTED entry completed later
// appears with its outcome the next time it is read: a shipper re-reads from its last `at` minus a margin, or
// follows Subscription.auditEvents). Streamed a page at a time, so its size is bounded by nothing but the
// trail. Same credentials as GraphQL and the same failed-authentication throttle; the caller needs the
// `audit` scope.
import type { Plugin } from 'graphql-yoga';
import type { Services } from '../context.js';
import type { ErrorCode } from '../errors.js';
import { addressOfServerContext, isThrottled, type AuthGate } from '../security/auth-gate.js';

export const AUDIT_JSONL_PATH = '/audit.jsonl';

interface AuditJsonlDeps {
  services: Services;
  gate: AuthGate;
}

const failure = (status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The route as a yoga plugin: it answers its own path before yoga's GraphQL handling. */
export function useAuditJsonl(deps: AuditJsonlDeps): Plugin {
  return {
    onRequest({ url, request, serverContext, endResponse }) {
      if (url.pathname !== AUDIT_JSONL_PATH) return;
      return handle(request, url, addressOfServerContext(serverContext), deps).then(endResponse);
    },
  };
}

async function handle(request: Request, url: URL, address: string, { services, gate }: AuditJsonlDeps): Promise<Response> {
  if (request.method !== 'GET') return failure(405, 'BAD_USER_INPUT', `use GET to read ${AUDIT_JSONL_PATH}`, { allow: 'GET' });
  const auth = await gate.admit(request.headers.get('authorization'), address);
  if (isThrottled(auth)) return failure(429, 'RATE_LIMITED', auth.message, { 'retry-after': String(auth.retryAfter) });
  if (!auth.principal) {
    return failure(401, 'UNAUTHENTICATED', auth.message, { 'www-authenticate': 'Bearer' });
  }
  if (!auth.principal.scopes.has('audit')) return failure(403, 'FORBIDDEN', `This ${auth.principal.kind === 'USER' ? "user's roles do not grant" : 'API key does not have'} the audit scope`);
  const trail = services.auditTrail;
  if (!trail) return failure(503, 'NOT_CONFIGURED', 'The audit trail is not kept on this gateway');
  const sinceRaw = url.searchParams.get('since');
  const since = sinceRaw === null || sinceRaw === '' ? new Date(0) : new Date(sinceRaw);
  if (Number.isNaN(since.getTime())) return failure(400, 'BAD_USER_INPUT', `since must be an ISO-8601 date-time, got "${sinceRaw}"`);
  services.logger.info({ route: AUDIT_JSONL_PATH, principal: auth.principal.id, since: since.toISOString() }, 'audit trail exported');

  const entries = trail.since(since.toISOString());
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // One page's worth per pull keeps memory flat whatever the trail's length.
        let lines = '';
        for (let n = 0; n < 200; n++) {
          const next = await entries.next();
          if (next.done) {
            if (lines) controller.enqueue(encoder.encode(lines));
            controller.close();
            return;
          }
          lines += `${JSON.stringify(next.value)}\n`;
        }
        controller.enqueue(encoder.encode(lines));
      } catch (e) {
        services.logger.warn({ route: AUDIT_JSONL_PATH, err: e instanceof Error ? e.message : String(e) }, 'audit export failed midway');
        controller.error(e);
      }
    },
    async cancel() {
      await entries.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' } });
}
