// Subscription clients for tests: graphql-ws (or any client with its subscribe shape, graphql-sse's too) over
// a real socket, and SSE through yoga.fetch. Each collects the results it receives so tests can wait for,
// and then assert on, what arrived.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GatewayYoga } from '../../src/app.js';

export interface Result {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

export interface Collected {
  results: Result[];
  /** Set when the subscription completes (or fails, with the error). */
  ended: { error?: unknown } | null;
}

/** Polls until `check` holds; fails after `timeoutMs` with `what` (a hang guard, not a timing assertion). */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function wsClient(httpUrl: string, key?: string): Client {
  return createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** What graphql-ws's and graphql-sse's clients share: subscribe(payload, sink) returning its stop. */
export interface SubscribingClient {
  subscribe(
    payload: { query: string; variables?: Record<string, unknown> },
    sink: { next(value: unknown): void; error(error: unknown): void; complete(): void },
  ): () => void;
}

/** A subscription through a real graphql-ws or graphql-sse client, collecting what it receives. */
export function wsSubscribe(client: SubscribingClient, query: string, variables?: Record<string, unknown>): Collected & { stop(): void } {
  const c: Collected & { stop(): void } = {
    results: [],
    ended: null,
    stop: client.subscribe(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (r) => void c.results.push(r as Result),
        error: (error) => void (c.ended = { error }),
        complete: () => void (c.ended ??= {}),
      },
    ),
  };
  return c;
}

/** An SSE subscription through yoga.fetch. With `paused`, nothing is read until resume(): a slow client. */
export async function sseSubscribe(
  yoga: GatewayYoga,
  query: string,
  opts: { variables?: Record<string, unknown>; key?: string; paused?: boolean } = {},
): Promise<Collected & { status: number; resume(): void; cancel(): Promise<void> }> {
  const abort = new AbortController();
  const res = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
    },
    body: JSON.stringify({ query, variables: opts.variables }),
    signal: abort.signal,
  });
  let release: () => void = () => {};
  const reader = res.body!.getReader();
  const gate = opts.paused ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  const c = {
    status: res.status,
    results: [] as Result[],
    ended: null as Collected['ended'],
    resume: () => release(),
    cancel: async () => {
      // Cancelling the body ends the subscription on the server (yoga.fetch ignores the abort signal).
      release();
      await reader.cancel().catch(() => undefined);
      abort.abort();
      await reading;
    },
  };
  const reading = (async () => {
    await gate;
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'next' && data) c.results.push(JSON.parse(data) as Result);
        if (event === 'complete') c.ended = {};
      }
    }
    c.ended ??= {};
  })().catch((error: unknown) => {
    c.ended ??= { error };
  });
  return c;
}
