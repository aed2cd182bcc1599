// How the gateway serves the console: a clear page saying how to build it when dist/console is missing,
// only known asset names, the page never cached.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useConsole } from '../src/console-route.js';

const schema = createSchema({ typeDefs: 'type Query { ok: Boolean }' });
const yogaServing = (dist: string) => createYoga({ schema, plugins: [useConsole(dist)], logging: false });

describe('console route', () => {
  it('answers with a page saying how to build the console when it is not built', async () => {
    const yoga = yogaServing(path.join(mkdtempSync(path.join(tmpdir(), 'secgraph-nobuild-')), 'dist', 'console'));
    const res = await yoga.fetch('http://gw/console');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('npm run build:console');
  });

  it('serves the built page for every console path and only files under assets/ with safe names', async () => {
    const dist = mkdtempSync(path.join(tmpdir(), 'secgraph-dist-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dist, 'secret.txt'), 'not served');
    const yoga = yogaServing(dist);
    for (const p of ['/console', '/console/', '/console/anything']) {
      const res = await yoga.fetch(`http://gw${p}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>console</title>');
    }
    const js = await yoga.fetch('http://gw/console/assets/index-abc123.js');
    expect(js.headers.get('content-type')).toMatch(/text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // The URL normalises to /console/secret.txt: the page, not the file.
    expect(await (await yoga.fetch('http://gw/console/assets/../secret.txt')).text()).not.toContain('not served');
    expect((await yoga.fetch('http://gw/console/assets/%2e%2e%2fsecret.txt')).status).toBe(404);
    expect((await yoga.fetch('http://gw/console', { method: 'POST' })).status).toBe(405);
    // Other paths are not the console's.
    expect((await yoga.fetch('http://gw/consoles')).status).toBe(404);
  });
});
