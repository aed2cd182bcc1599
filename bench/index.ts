// `npm run bench`: runs every bench/*.bench.ts (or only those named on the command line) one after another
// and prints their figures. Benchmarks print numbers and ratios; nothing here passes or fails on timing.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run: () => Promise<void> };
  console.log(`\n=== ${file.replace(/\.bench\.ts$/, '')} ===`);
  await mod.run();
}
