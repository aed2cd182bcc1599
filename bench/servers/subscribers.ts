// Child process of the fan-out bench: opens the subscribers (graphql-ws sockets or SSE streams) the parent
// asks for over IPC, and reports what arrived. Events carry their publish time (epoch ms, the same clock in
// both processes) in `at`; a warm-up event has `at` = epoch 0 and only tells a subscriber is live.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

type Command = { cmd: 'open'; url: string; n: number; transport: 'ws' | 'sse'; distinct: boolean } | { cmd: 'close' } | { cmd: 'report' };

const now = () => performance.timeOrigin + performance.now();
let live = new Set<number>();
let latencies: number[] = [];
let received = 0;
let closers: Array<() => void> = [];
let failures = 0;

function onResult(i: number, data: any): void {
  const event = data && (Object.values(data)[0] as { at: string } | undefined);
  if (!event) return void (failures += 1);
  const at = Date.parse(event.at);
  if (at === 0) return void live.add(i);
  latencies.push(now() - at);
  received += 1;
}

const document = (i: number, distinct: boolean) =>
  `subscription { ${distinct ? `s${i}: ` : ''}incidentEvents { kind at incident { incidentId severity appName } } }`;

async function openSse(url: string, i: number, query: string): Promise<() => void> {
  const abort = new AbortController();
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  });
  void (async () => {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (block.startsWith('event: next') && data) onResult(i, (JSON.parse(data) as { data: unknown }).data);
        }
      }
    } catch {
      // aborted on close
    }
  })();
  return () => abort.abort();
}

process.on('message', async (m: Command) => {
  if (m.cmd === 'open') {
    live = new Set();
    latencies = [];
    received = 0;
    failures = 0;
    const clients: Client[] = [];
    for (let i = 0; i < m.n; i += 1) {
      const query = document(i, m.distinct);
      if (m.transport === 'ws') {
        const client = createClient({ url: `${m.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
        clients.push(client);
        const stop = client.subscribe({ query }, { next: (r) => onResult(i, r.data), error: () => void (failures += 1), complete: () => {} });
        closers.push(() => {
          stop();
          void client.dispose();
        });
      } else {
        closers.push(await openSse(m.url, i, query));
      }
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20)); // no burst of thousands of handshakes
    }
    process.send!({ opened: m.n });
  } else if (m.cmd === 'report') {
    process.send!({ live: live.size, received, failures, latencies: received && latencies.length ? latencies : [] });
  } else if (m.cmd === 'close') {
    for (const c of closers) c();
    closers = [];
    process.send!({ closed: true });
  }
});
process.stdout.write('READY ipc\n');
