// Builds the console (console/) with Vite into dist/console. `buildConsole({ ifStale: true })` builds only when
// the sources changed since the last build (console-sources.mjs keeps a hash of them next to the output):
// the test suite's global setup calls it, so `npm test` on a fresh clone builds the console first.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleDist, consoleIsStale, consoleSourcesHash, consoleStampFile } from './console-sources.mjs';

const consoleDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'console');

export async function buildConsole(opts: { ifStale?: boolean } = {}): Promise<boolean> {
  if (opts.ifStale && !consoleIsStale()) return false;
  const hash = consoleSourcesHash();
  const { build } = await import('vite');
  await build({ configFile: path.join(consoleDir, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(consoleStampFile, hash);
  return true;
}

// `npm run build:console` builds; `npm start`'s launcher (start.mjs), finding the console stale, runs
// `--if-stale --soft`: build when stale, and if that is impossible (an install without devDependencies, so no
// Vite) warn and let the gateway start anyway (it then answers /console with a page saying how to build it).
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
