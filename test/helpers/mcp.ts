// MCP over Streamable HTTP for tests: a test gateway's yoga served on a loopback port (as server.ts serves
// it), and the SDK's own client connected to its /mcp with a bearer credential.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TestGateway } from './gateway.js';

export interface ServedYoga {
  url: string;
  close(): Promise<void>;
}

export async function serveOnLoopback(gw: Pick<TestGateway, 'yoga'>): Promise<ServedYoga> {
  const server: Server = createServer((req, res) => void gw.yoga(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** An MCP client of `<baseUrl>/mcp`, initialised, sending `Authorization: Bearer <credential>` when given. */
export async function connectMcp(baseUrl: string, credential?: string, name = 'vitest-assistant'): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: credential ? { authorization: `Bearer ${credential}` } : {} },
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** A tool call's result with its structuredContent typed loosely for assertions. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}) {
  return (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: any };
}
