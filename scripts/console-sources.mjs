// Whether dist/console is older than the console's sources: a hash of everything the console build reads
// (console/, schema.graphql, the locked versions) is kept next to the output. Plain JavaScript, not
// TypeScript, because `npm start`'s launcher (start.mjs) asks it at every start, and loading tsx to ask took
// about 0.7 s of the start-up; build-console.ts builds with it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const consoleDir = path.join(root, 'console');
export const consoleDist = path.join(root, 'dist', 'console');
export const consoleStampFile = path.join(consoleDist, '.sources-hash');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** A hash of everything the build reads from the project: the console's files, the schema, the locked versions. */
export function consoleSourcesHash() {
  const h = createHash('sha256');
  for (const f of [...files(consoleDir), path.join(root, 'schema.graphql'), path.join(root, 'package-lock.json')].sort()) {
    h.update(path.relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

/** True when dist/console is missing or was built from other sources; false where there are no sources to build. */
export function consoleIsStale() {
  if (!existsSync(consoleDir)) return false;
  return !existsSync(path.join(consoleDist, 'index.html')) || !existsSync(consoleStampFile) || readFileSync(consoleStampFile, 'utf8') !== consoleSourcesHash();
}
