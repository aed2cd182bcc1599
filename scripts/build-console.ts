// Builds the console (console/) with Vite into dist/console. `buildConsole({ ifStale: true })` builds only when
// the sources changed since the last build (a hash of console/ and schema.graphql is kept next to the output):
// the test suite's global setup calls it, so `npm test` on a fresh clone builds the console first.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const consoleDir = path.join(root, 'console');
export const consoleDist = path.join(root, 'dist', 'console');
const stampFile = path.join(consoleDist, '.sources-hash');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** A hash of everything the build reads from the project: the console's files, the schema, the locked versions. */
export function consoleSourcesHash(): string {
  const h = createHash('sha256');
  for (const f of [...files(consoleDir), path.join(root, 'schema.graphql'), path.join(root, 'package-lock.json')].sort()) {
    h.update(path.relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

export function consoleIsStale(): boolean {
  return !existsSync(path.join(consoleDist, 'index.html')) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== consoleSourcesHash();
}

export async function buildConsole(opts: { ifStale?: boolean } = {}): Promise<boolean> {
  if (opts.ifStale && !consoleIsStale()) return false;
  const hash = consoleSourcesHash();
  const { build } = await import('vite');
  await build({ configFile: path.join(consoleDir, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stampFile, hash);
  return true;
}

// `npm run build:console` builds; `npm start`'s prestart runs `--if-stale --soft`: build when stale, and if that
// is impossible (an install without devDependencies, so no Vite) warn and let the gateway start anyway (it then
// answers /console with a page saying how to build it).
if (import.meta.url === `file://${process.argv[1]}`) {
  const ifStale = process.argv.includes('--if-stale');
  const soft = process.argv.includes('--soft');
  buildConsole({ ifStale }).then(
    (built) => {
      if (built || !soft) process.stdout.write(built ? `console built into ${path.relative(process.cwd(), consoleDist)}\n` : 'console is up to date\n');
    },
    (error: unknown) => {
      process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(soft ? 0 : 1);
    },
  );
}
