// A throwaway HTTP receiver on loopback standing in for a destination (a SOAR webhook, Slack, Teams,
// PagerDuty): it records every request (headers and raw body) and answers from a script, one answer per
// request in order, then the default. An answer can also hang (a timeout) or drop the connection.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | { hang: true } | { drop: true };

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers for the next requests, in order. */
  script(...answers: Answer[]): void;
  /** The answer after the script runs out. */
  setDefault(answer: Answer): void;
  /** Resolves once `n` requests have arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(defaultAnswer: Answer = { status: 200, body: 'ok' }): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const queue: Answer[] = [];
  let fallback = defaultAnswer;
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, at: Date.now() });
      for (const w of waiters.splice(0)) w();
      const answer = queue.shift() ?? fallback;
      if ('hang' in answer) return;
      if ('drop' in answer) {
        req.socket.destroy();
        return;
      }
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T0SECRET/B0SECRET/x9SecretPathToken`,
    requests,
    script: (...answers) => queue.push(...answers),
    setDefault: (a) => {
      fallback = a;
    },
    waitFor(n, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver: ${requests.length} of ${n} requests arrived`)), ms);
        const check = () => {
          if (requests.length >= n) {
            clearTimeout(timer);
            resolve(requests.slice());
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
