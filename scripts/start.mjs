// `npm start`: runs the compiled gateway (dist/server.js) with NODE_ENV=production, building first when
// dist/ is missing or older than any source, and building the console first when it is stale (with tsx
// and Vite, loaded only then: the check itself is plain JavaScript, see console-sources.mjs). The bundle
// runs in this process, not a child: a second node start and its spawn were about 0.15 s of the 1.5 s
// start-up target (issue 12). SIGTERM and SIGINT reach the server directly.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { consoleIsStale } from './console-sources.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const entry = path.join(root, 'dist', 'server.js');

/** Newest modification time under dir, ms. */
function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

function stale() {
  if (!existsSync(entry) || !existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const sources = Math.max(newest(path.join(root, 'src')), ...['package.json', 'tsconfig.json', 'scripts/build-server.mjs'].map((f) => statSync(path.join(root, f)).mtimeMs));
  return sources > built;
}

if (stale()) {
  process.stderr.write('secgraph: dist/ is missing or older than the sources; building (npm run build:server)\n');
  const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-server.mjs')], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

if (consoleIsStale()) {
  // Soft: without devDependencies (no tsx, no Vite) the gateway starts anyway and /console says how to build it.
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  if (existsSync(tsx)) spawnSync(tsx, [path.join(root, 'scripts', 'build-console.ts'), '--if-stale', '--soft'], { cwd: root, stdio: 'inherit' });
  else process.stderr.write('secgraph: the console is not built and tsx is not installed (npm install without --omit=dev builds it)\n');
}

// Read by graphql-js when its modules load (development mode's checks cost reads a third of their RPS).
process.env.NODE_ENV ??= 'production';
// Stack traces mapped to src/ (what --enable-source-maps does), for the modules loaded from here on. Node
// parses the bundle's map now, about 0.07 s of the start. source-map-support, which parses it at the first
// stack trace instead, was measured too: that first trace then took 0.7 s (0.3 with @cspotcode's fork), a
// stall at the first error logged under load, so the cost stays at start.
process.setSourceMapsEnabled(true);
const { runServer } = await import(pathToFileURL(entry).href);
runServer();
