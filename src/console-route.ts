// The SOC console (console/, built by `npm run build:console` into dist/console) served at /console by the
// gateway itself, so it works on closed networks and from the same origin as /graphql (no CORS, the CSRF
// rules of a same-origin client). Hashed assets are cached for a year; index.html is never cached, so a new
// build is picked up at the next load. Only names under dist/console/assets that look like Vite's output are
// served: no path from the URL reaches the file system unchecked.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin } from 'graphql-yoga';
import { PACKAGE_ROOT } from './package-root.js';

export const CONSOLE_PATH = '/console';

export const CONSOLE_DIST = path.join(PACKAGE_ROOT, 'dist', 'console');

const ASSET_NAME = /^[A-Za-z0-9_.-]+\.(js|css|svg|png|woff2)$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>secgraph console: not built</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto">
<h1>The secgraph console is not built</h1>
<p>This gateway serves the console from <code>dist/console</code>, which does not exist yet. Build it in the
project folder, then reload this page:</p>
<pre style="background:#eee;padding:1em">npm run build:console</pre>
<p>The GraphQL endpoint and GraphiQL at <a href="/graphql">/graphql</a> work without it.</p></body></html>`;

const html = (body: string, status: number, fetchAPI: { Response: typeof Response }) =>
  new fetchAPI.Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' } });

/** What the console learns before anyone signs in (public, no secret): how to sign in, if it can. */
export interface ConsoleSettings {
  /** The identity provider and the console's public client (SECGRAPH_OIDC_ISSUER, SECGRAPH_OIDC_CLIENT_ID); null: API keys only. */
  oidc: { issuer: string; clientId: string; scopes: string } | null;
}

export const CONSOLE_SETTINGS_PATH = `${CONSOLE_PATH}/config.json`;

export function useConsole(dist: string = CONSOLE_DIST, settings: ConsoleSettings = { oidc: null }): Plugin {
  const assets = new Map<string, Uint8Array<ArrayBuffer>>();
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      const p = url.pathname;
      if (p !== CONSOLE_PATH && !p.startsWith(`${CONSOLE_PATH}/`)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response('Method Not Allowed', { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (p === CONSOLE_SETTINGS_PATH) {
        endResponse(new fetchAPI.Response(JSON.stringify(settings), { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' } }));
        return;
      }
      const assetPrefix = `${CONSOLE_PATH}/assets/`;
      if (p.startsWith(assetPrefix)) {
        const name = p.slice(assetPrefix.length);
        const ext = name.slice(name.lastIndexOf('.') + 1);
        let body = assets.get(name);
        if (!body && ASSET_NAME.test(name) && existsSync(path.join(dist, 'assets', name))) {
          body = new Uint8Array(await readFile(path.join(dist, 'assets', name)));
          assets.set(name, body);
        }
        endResponse(
          body
            ? new fetchAPI.Response(body, {
                status: 200,
                headers: { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable' },
              })
            : new fetchAPI.Response('Not Found', { status: 404 }),
        );
        return;
      }
      // Every other path under /console is the single page (it routes on the URL hash).
      const index = path.join(dist, 'index.html');
      endResponse(existsSync(index) ? html(await readFile(index, 'utf8'), 200, fetchAPI) : html(NOT_BUILT, 503, fetchAPI));
    },
  };
}
