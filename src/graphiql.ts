// GraphiQL served entirely from this gateway. Yoga's page loads its bundle from a public CDN, which leaves
// analysts on closed networks with a page stuck on "Loading…"; we serve the same bundle from the
// @graphql-yoga/graphiql package instead, under /graphiql-assets/.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { renderGraphiQL, type GraphiQLOptions, type Plugin } from 'graphql-yoga';

export const GRAPHIQL_ASSETS_PATH = '/graphiql-assets/';
const CDN_PREFIX = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;

const distDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');

/** The files the page asks for, and nothing else (no path from the URL ever reaches the file system). */
const ASSETS: Record<string, string> = {
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'graphiql.css': 'text/css; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
};

const CDN_FAVICON = /https:\/\/raw\.githubusercontent\.com\/[^>\s"]*favicon\.ico/g;
const FAVICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0b5"/></svg>')}`;

/**
 * GraphiQL keeps the Headers tab in localStorage; this script copies its Authorization into the graphql-ws
 * connection_init payload (connectionParams), so the socket itself is authenticated with the typed key: the
 * gateway acknowledges only an authenticated connection_init (a key in a subscribe message's
 * payload.extensions, which GraphiQL also sends, does not authenticate a socket).
 */
const WS_AUTH_SCRIPT = `<script>(() => {
  const parse = (text) => { try { return JSON.parse(text || 'null'); } catch { return null; } };
  /** The active tab's Headers text (GraphiQL keeps tabs in localStorage), else the last headers stored. */
  const typedHeaders = () => {
    const tabs = parse(localStorage.getItem('graphiql:tabs'));
    const active = tabs && Array.isArray(tabs.tabs) ? tabs.tabs[tabs.activeTabIndex] : null;
    return parse(active && active.headers) || parse(localStorage.getItem('graphiql:headers')) || {};
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    send(data) {
      try {
        const message = JSON.parse(data);
        if (message && message.type === 'connection_init') {
          const entry = Object.entries(typedHeaders()).find(([k]) => k.toLowerCase() === 'authorization');
          if (entry) data = JSON.stringify({ ...message, payload: { ...(message.payload || {}), authorization: String(entry[1]) } });
        }
      } catch {}
      return super.send(data);
    }
  };
})();</script>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sandboxBanner(sandboxes: readonly string[]): string {
  if (sandboxes.length === 0) return '';
  return (
    '<div id="secgraph-sandbox-banner" role="status" style="position:fixed;top:0;left:50%;transform:translateX(-50%);z-index:10000;' +
    'background:#b3261e;color:#fff;padding:3px 14px;font:600 12px/1.5 system-ui,sans-serif;border-radius:0 0 6px 6px;pointer-events:none">' +
    `SANDBOX: ${escapeHtml(sandboxes.join(', '))} serve generated data, not your tenants</div>`
  );
}

export interface GraphiQLPage {
  sandboxes: readonly string[];
  /** Tabs opened on a first visit (GraphiQL keeps the user's own tabs afterwards). */
  tabs: ReadonlyArray<{ query: string; variables?: string }>;
}

/** yoga's renderGraphiQL, with local assets, example tabs, the SANDBOX banner and WebSocket auth. */
export function localGraphiQLRenderer(page: GraphiQLPage): (opts: GraphiQLOptions) => string {
  return (opts) => {
    // The bundle we serve reads the editor's first query from `query`; yoga's option is `defaultQuery`.
    const withQuery = { ...opts, ...(opts.defaultQuery ? { query: opts.defaultQuery } : {}), defaultTabs: page.tabs };
    return renderGraphiQL(withQuery as GraphiQLOptions)
      .replace(CDN_PREFIX, GRAPHIQL_ASSETS_PATH)
      .replace(CDN_FAVICON, FAVICON)
      .replace('<body id=body class=no-focus-outline>', `<body id=body class=no-focus-outline>${sandboxBanner(page.sandboxes)}${WS_AUTH_SCRIPT}`);
  };
}

export function useGraphiQLAssets(): Plugin {
  const cache = new Map<string, Buffer>();
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      const name = url.pathname.slice(GRAPHIQL_ASSETS_PATH.length);
      const type = ASSETS[name];
      if (!type) {
        endResponse(new fetchAPI.Response('Not Found', { status: 404 }));
        return;
      }
      let body = cache.get(name);
      if (!body) {
        body = await readFile(path.join(distDir, name));
        cache.set(name, body);
      }
      endResponse(new fetchAPI.Response(new Uint8Array(body), { status: 200, headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' } }));
    },
  };
}
