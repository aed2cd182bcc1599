// `npm run bench`: runs every bench/*.bench.ts (or only those named on the command line) one after another
// and prints their figures, then every ratio again in one summary. Each bench measures against its anchor in
// the same run (interleaved where it can), because on a shared machine only ratios are comparable between
// runs. Benchmarks print numbers and ratios; nothing here passes or fails on timing. Benches never write
// into ./data: each uses temp dirs.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const ratios: string[] = [];
const log = console.log.bind(console);
console.log = (...args: unknown[]) => {
  const line = args.map(String).join(' ');
  if (line.startsWith('RATIO ')) ratios.push(line.slice(6));
  log(...args);
};

for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run: () => Promise<void> };
  console.log(`\n=== ${file.replace(/\.bench\.ts$/, '')} ===`);
  await mod.run();
}
log('\n=== ratios ===');
for (const r of ratios) log(r);
