// `npm run bench`: runs every bench/*.bench.ts (or only those named on the command line) one after another,
// each in a fresh process (so one bench's heap or JIT state never colours the next), prints their figures,
// then every ratio again in one summary. Each bench measures against its anchor in the same run
// (interleaved where it can): on a shared machine only ratios are comparable between runs. Benchmarks print
// numbers and ratios; nothing here passes or fails on timing. Benches never write into ./data.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--one') {
  // In the child: run one bench file.
  const file = process.argv[3]!;
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run: () => Promise<void> };
  await mod.run();
  process.exit(0);
}

const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const ratios: string[] = [];
for (const file of files) {
  console.log(`\n=== ${file.replace(/\.bench\.ts$/, '')} ===`);
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    process.stdout.write(d);
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) if (l.startsWith('RATIO ')) ratios.push(l.slice(6));
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) console.log(`(${file} exited with ${code})`);
}
console.log('\n=== ratios ===');
for (const r of ratios) console.log(r);
