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

export function renderLocalGraphiQL(opts: GraphiQLOptions): string {
  // The bundle we serve reads the editor's first query from `query`; yoga's option is `defaultQuery`.
  const withQuery = opts.defaultQuery ? { ...opts, query: opts.defaultQuery } : opts;
  return renderGraphiQL(withQuery).replace(CDN_PREFIX, GRAPHIQL_ASSETS_PATH).replace(CDN_FAVICON, FAVICON);
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
