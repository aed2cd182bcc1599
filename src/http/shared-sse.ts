// SSE on /graphql for members of a shared subscription (src/subscriptions/shared-execution.ts): the same
// wire as yoga's own SSE writer (graphql-sse's distinct-connections mode: a `:` comment first, then
// `event: next` / `data: <result>` per result, `event: complete` / `data:` at the end, a `:` ping every
// 12 s), but lighter per stream, which is what matters at thousands of streams:
// - the body is one plain node Readable that whatwg-node pipes into the response, not a web ReadableStream
//   pulling through promise chains with three encodes per event;
// - each error-free shared event is one Buffer built once for all streams (`event: next\ndata: …\n\n`,
//   already framed as an HTTP/1.1 chunk) and written inside the fan-out loop straight to each connection's
//   socket in one write, once the stream is flowing with nothing of its own pending (so bytes stay in order
//   and whole chunks never interleave); otherwise it is pushed through the body like everything else;
// - one ping timer for all such streams instead of one interval each.
// Results with errors and anything queued (see shared-execution.ts) are pulled from the member's stream and
// serialised by yoga's own regular-result writer, so they read exactly as before. Requests that are not
// shared members (or not on node:http: yoga.fetch in tests) keep yoga's writer. /graphql/stream's
// distinct-connections requests are handed to yoga's SSE (src/http/graphql-sse-distinct.ts), so they get this
// writer too; its single-connection mode stays on graphql-sse's handler.
import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { isAsyncIterable, processRegularResult, type Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import type { SharedSubscriptions } from '../subscriptions/shared-execution.js';
import type { DirectSink, SharedEvent, SharedMember } from '../subscriptions/shared-member.js';
import { DISTINCT_CONTENT_TYPE, isDistinctStreamRequest } from './graphql-sse-distinct.js';

const PING_INTERVAL_MS = 12_000;
/** Past this many bytes not yet taken by the socket, shared events are queued (and the queue is bounded). */
const DIRECT_HIGH_WATER_BYTES = 256 * 1024;
const NEXT_FRAME = Symbol('sse next frame');
const NEXT_CHUNK = Symbol('sse next frame as an HTTP/1.1 chunk');
const PING = Buffer.from(':\n\n');
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');
const HEADERS = {
  'Content-Type': 'text/event-stream',
  Connection: 'keep-alive',
  'Cache-Control': 'no-cache',
  'Content-Encoding': 'none',
};
const DISTINCT_HEADERS = { ...HEADERS, 'Content-Type': DISTINCT_CONTENT_TYPE };

/** Every open shared SSE body: one timer pings them all. */
const open = new Set<Readable>();
let pinger: NodeJS.Timeout | null = null;
function track(body: Readable): void {
  open.add(body);
  pinger ??= setInterval(() => {
    for (const b of open) if (b.readableLength < DIRECT_HIGH_WATER_BYTES) b.push(PING);
  }, PING_INTERVAL_MS).unref();
}
function untrack(body: Readable): void {
  open.delete(body);
  if (open.size === 0 && pinger) {
    clearInterval(pinger);
    pinger = null;
  }
}

export function wantsEventStream(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/event-stream');
}

const nextFrame = (json: string) => Buffer.from(`event: next\ndata: ${json}\n\n`);
const asChunk = (bytes: Buffer) => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);

/**
 * One shared member's SSE body, and its direct sink. A class (a Readable subclass) rather than closures:
 * thousands of these stay open, idle, for hours.
 */
class SharedSseBody extends Readable implements DirectSink {
  private wantMore: (() => void) | null = null;
  private ended = false;
  private readonly results: AsyncIterator<ExecutionResult>;

  constructor(
    stream: AsyncIterable<ExecutionResult>,
    private readonly res: ServerResponse,
    private readonly fetchAPI: { Response: typeof Response },
  ) {
    super();
    this.results = stream[Symbol.asyncIterator]();
    track(this);
    // Always start with a comment: some browsers wait for a first chunk before exposing the stream.
    this.push(PING);
    void this.pump();
  }

  override _read(): void {
    const wantMore = this.wantMore;
    this.wantMore = null;
    wantMore?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.finish();
    void this.results.return?.();
    callback(error);
  }

  /** A shared event, written in the fan-out loop (see the top of this file). */
  next(event: SharedEvent): boolean {
    if (this.ended) return false;
    const socket = this.res.socket;
    // Flowing with nothing buffered: everything pushed so far (the first comment at least, hence the
    // headers) has been handed to the response, so a whole chunk written to the socket comes next in order.
    if (socket && this.readableFlowing && this.readableLength === 0 && typeof this.res.chunkedEncoding === 'boolean') {
      if (socket.destroyed || socket.writableLength > DIRECT_HIGH_WATER_BYTES) return false;
      const frame = event.once(NEXT_FRAME, nextFrame);
      socket.write(this.res.chunkedEncoding ? event.once(NEXT_CHUNK, () => asChunk(frame)) : frame);
      return true;
    }
    if (this.readableLength > DIRECT_HIGH_WATER_BYTES) return false;
    this.push(event.once(NEXT_FRAME, nextFrame));
    return true;
  }

  private finish(): void {
    this.ended = true;
    untrack(this);
  }

  /** What the member queues (results with errors, backlog): in order, at the pace the socket takes them. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const r = await this.results.next();
        if (this.ended) return;
        if (r.done) break;
        const data = await processRegularResult(r.value, this.fetchAPI as never, 'application/json').text();
        if (this.ended) return;
        if (!this.push(`event: next\ndata: ${data}\n\n`)) await new Promise<void>((resolve) => (this.wantMore = resolve));
      }
      if (this.ended) return;
      this.push(COMPLETE);
      this.finish();
      this.push(null);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

function sharedSseResponse(
  stream: AsyncIterable<ExecutionResult>,
  member: SharedMember,
  res: ServerResponse,
  fetchAPI: { Response: typeof Response },
  headers: Record<string, string>,
): Response {
  const body = new SharedSseBody(stream, res, fetchAPI);
  member.attach(body);
  return new fetchAPI.Response(body as never, { status: 200, headers });
}

/** The yoga plugin (after the shared-subscriptions plugin in app.ts). */
export function useSharedSse(shared: SharedSubscriptions): Plugin {
  return {
    onResultProcess({ request, result, serverContext, setResultProcessor }) {
      if (!isAsyncIterable(result) || !wantsEventStream(request)) return;
      // Only on node:http: there the body is piped into the socket as it is pushed.
      const res = (serverContext as { res?: unknown } | undefined)?.res;
      if (!(res instanceof ServerResponse)) return;
      const member = shared.memberFor(request);
      if (!member) return;
      // graphql-sse's distinct-connections requests on /graphql/stream: its Content-Type (src/http/graphql-sse-distinct.ts).
      const headers = isDistinctStreamRequest(request) ? DISTINCT_HEADERS : HEADERS;
      setResultProcessor((stream, fetchAPI) => sharedSseResponse(stream as AsyncIterable<ExecutionResult>, member, res, fetchAPI, headers), 'text/event-stream');
    },
  };
}
