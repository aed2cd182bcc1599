// Child process of the fan-out bench, the anchor: what this machine's loopback costs to fan one event out
// to every subscriber without GraphQL. A bare node:http server with the `ws` library (the gateway's
// version) that speaks just enough graphql-transport-ws (ack the init, remember each subscribe's id) and
// answers every SSE POST with a text/event-stream; on "publish" it writes the same `next` message the
// gateway would (the same fields of the same incident) to every subscriber, one `ws.send` or `res.write`
// each. No schema, no execution, no sharing logic: the floor the gateway's fan-out is compared with.
// Answers the same IPC commands as fanout-gateway.ts and prints "READY <url>".
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { toIncident } from '../../src/connectors/saas-security/map.js';
import { generateIncidents } from '../../src/emulators/saas-security/seed.js';

const [wire] = generateIncidents(1, Date.now());
const { incidentId, severity, appName } = toIncident(wire!);

const sockets: Array<{ socket: WebSocket; id: string }> = [];
const streams = new Set<ServerResponse>();

const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(':\n\n');
    streams.add(res);
    res.once('close', () => streams.delete(res));
  });
});
const wss = new WebSocketServer({ server, path: '/graphql', perMessageDeflate: false });
wss.on('connection', (socket) => {
  socket.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as { type: string; id?: string };
    if (m.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (m.type === 'subscribe') sockets.push({ socket, id: m.id! });
  });
  socket.once('close', () => {
    const i = sockets.findIndex((s) => s.socket === socket);
    if (i >= 0) sockets.splice(i, 1);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

type Command = { cmd: 'publish'; id: number; measured: boolean } | { cmd: 'rss' };

process.on('message', (m: Command) => {
  if (m.cmd === 'publish') {
    const at = new Date(m.measured ? performance.timeOrigin + performance.now() : 0).toISOString();
    const data = JSON.stringify({ data: { incidentEvents: { kind: 'FETCHED', at, incident: { incidentId, severity, appName } } } });
    for (const { socket, id } of sockets) socket.send(`{"id":"${id}","type":"next","payload":${data}}`);
    const frame = `event: next\ndata: ${data}\n\n`;
    for (const res of streams) res.write(frame);
    process.send?.({ published: m.id });
  } else if (m.cmd === 'rss') {
    globalThis.gc?.();
    process.send?.({ rss: process.memoryUsage().rss });
  }
});
process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
process.once('SIGTERM', () => process.exit(0));
