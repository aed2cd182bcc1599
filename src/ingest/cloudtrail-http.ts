// POST /ingest/cloudtrail: a CloudTrail log file as S3 stores it ({"Records":[…]}, plain or gzipped), a
// single record, or JSON lines. Same API keys and tokens as GraphQL; the caller needs the `ingest` scope. The body is
// streamed into the detection engine, so its size is bounded by the limit, not by memory.
import type { Plugin } from 'graphql-yoga';
import type { Services } from '../context.js';
import type { IngestSummary } from '../detection/saml-detection-service.js';
import type { ErrorCode } from '../errors.js';
import { requestIdOf } from '../http/request-id.js';
import { actorOf } from '../identity/actor.js';
import { isSimpleCrossSiteRequest } from '../http/browser-rules.js';
import { addressOfServerContext, isThrottled, type AuthGate } from '../security/auth-gate.js';
import { BodyTooLargeError, GzipRatioError, ingestCloudTrailStream, InvalidGzipError } from './cloudtrail-stream.js';
import { NotJsonError } from './record-scanner.js';

export const CLOUDTRAIL_INGEST_PATH = '/ingest/cloudtrail';

interface IngestDeps {
  services: Services;
  /** The same authentication and failed-authentication throttle as GraphQL's, so keys cannot be guessed here either. */
  gate: AuthGate;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const failure = (status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message }, ...extra }, headers);

const isGzipRequest = (request: Request) =>
  /^application\/(?:x-)?gzip\b/i.test(request.headers.get('content-type') ?? '') ||
  /\bgzip\b/i.test(request.headers.get('content-encoding') ?? '');

/** The ingest route as a yoga plugin: it answers its own path before yoga's GraphQL handling. */
export function useCloudTrailIngest(deps: IngestDeps): Plugin {
  return {
    onRequest({ url, request, serverContext, endResponse }) {
      if (url.pathname !== CLOUDTRAIL_INGEST_PATH) return;
      // node:http hands yoga its request as serverContext.req (as in app.ts's context factory).
      return handleIngest(request, addressOfServerContext(serverContext), deps).then(endResponse);
    },
  };
}

async function handleIngest(request: Request, address: string, { services, gate }: IngestDeps): Promise<Response> {
  const { logger } = services;
  if (request.method !== 'POST') return failure(405, 'BAD_USER_INPUT', `use POST to send CloudTrail logs to ${CLOUDTRAIL_INGEST_PATH}`, {}, { allow: 'POST' });
  // A form or fetch a browser sends cross-site without a preflight must not feed detections (open gateway).
  if (gate.open && isSimpleCrossSiteRequest(request)) {
    return failure(403, 'CSRF_REJECTED', 'send the body as application/json or application/gzip, or with Authorization or x-graphql-csrf');
  }
  const auth = await gate.admit(request.headers.get('authorization'), address);
  if (isThrottled(auth)) {
    return failure(429, 'RATE_LIMITED', auth.message, { retryAfter: auth.retryAfter }, { 'retry-after': String(auth.retryAfter) });
  }
  if (!auth.principal) {
    return failure(401, 'UNAUTHENTICATED', auth.message, {}, {
      'www-authenticate': 'Bearer',
    });
  }
  if (!auth.principal.scopes.has('ingest')) return failure(403, 'FORBIDDEN', `This ${auth.principal.kind === 'USER' ? "user's roles do not grant" : 'API key does not have'} the ingest scope`);
  const detection = services.samlDetection;
  if (!detection) return failure(503, 'NOT_CONFIGURED', 'SAML detection is not running on this gateway');

  // Recorded as `ingest.cloudtrail` (begun before the body is read, completed with its counts or its code).
  const entry = await services.audit.begin({
    actor: actorOf(auth.principal),
    action: 'ingest.cloudtrail',
    target: null,
    requestId: requestIdOf(request),
    details: { source: 'http', ...(request.headers.get('content-length') ? { bytes: Number(request.headers.get('content-length')) } : {}) },
  });
  let response: Response;
  try {
    response = await ingestBody(request, services, auth.principal.id);
  } catch (e) {
    await entry.failed('INTERNAL');
    throw e;
  }
  const result = (await response.clone().json().catch(() => null)) as (Partial<IngestSummary> & { error?: { code?: string } }) | null;
  if (response.ok) await entry.succeeded({ accepted: result?.accepted, rejected: result?.rejected, matched: result?.matched });
  else await entry.failed(result?.error?.code ?? `HTTP_${response.status}`);
  return response;
}

/** Streams the body into the detection engine; the answer says what it gave or why it was refused. */
async function ingestBody(request: Request, services: Services, principalId: string): Promise<Response> {
  const { logger } = services;
  const detection = services.samlDetection!;
  const log = logger.child({ route: CLOUDTRAIL_INGEST_PATH, principal: principalId });
  const limit = services.config.samlDetection.maxBodyBytes;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    log.warn({ contentLength: declared, limit }, 'CloudTrail body refused: too large');
    return failure(413, 'BAD_USER_INPUT', `the body (${declared} bytes) is larger than the limit of ${limit} bytes (CLOUDTRAIL_INGEST_MAX_BYTES)`);
  }
  if (!request.body) return failure(400, 'BAD_USER_INPUT', 'the body is empty: send a CloudTrail log file, a record or JSON lines');

  const session = detection.startIngest('http');
  const partial = (s: IngestSummary) => ({ ingestedBeforeTheError: s });
  let sawJson = false;
  try {
    ({ sawJson } = await ingestCloudTrailStream(request.body as unknown as AsyncIterable<Uint8Array>, session, {
      gzip: isGzipRequest(request) ? true : 'auto',
      maxBytes: limit,
      maxRecordChars: services.config.samlDetection.maxRecordChars,
      maxGzipRatio: services.config.samlDetection.maxGzipRatio,
    }));
  } catch (e) {
    const summary = await session.finish();
    if (e instanceof GzipRatioError) {
      // `inflated`: what gunzip produced before the refusal (a bomb stops about GZIP_RATIO_FLOOR in).
      log.warn({ limit, inflated: e.inflated, compressed: e.compressed, maxRatio: e.maxRatio, accepted: summary.accepted }, 'CloudTrail body cut off: a gzip bomb');
      return failure(413, 'BAD_USER_INPUT', `${e.message} (CLOUDTRAIL_GZIP_MAX_RATIO)`, partial(summary));
    }
    if (e instanceof BodyTooLargeError) {
      log.warn({ limit, inflated: e.inflated, accepted: summary.accepted }, 'CloudTrail body cut off: too large');
      return failure(413, 'BAD_USER_INPUT', `${e.message} (CLOUDTRAIL_INGEST_MAX_BYTES)`, partial(summary));
    }
    if (e instanceof NotJsonError || e instanceof InvalidGzipError) {
      log.warn({ reason: e.message, accepted: summary.accepted }, 'CloudTrail body refused');
      return failure(400, 'BAD_USER_INPUT', e.message, summary.accepted + summary.rejected > 0 ? partial(summary) : {});
    }
    throw e;
  }
  const summary = await session.finish();
  if (!sawJson) return failure(400, 'BAD_USER_INPUT', 'the body is empty: send a CloudTrail log file, a record or JSON lines');
  if (session.jsonValues === 0 && summary.rejected > 0) {
    // Not one value parsed: the body as a whole is not JSON, not a file with some bad records.
    const reason = summary.rejections[0]?.reason ?? 'malformed JSON';
    log.warn({ reason }, 'CloudTrail body refused: not JSON');
    return failure(400, 'BAD_USER_INPUT', `the body is not JSON: ${reason}`);
  }
  log.info({ accepted: summary.accepted, rejected: summary.rejected, matched: summary.matched, ruleErrors: summary.ruleErrors, suppressed: summary.suppressed }, 'CloudTrail body ingested');
  return json(200, summary);
}
