// `npm run build:server`: compiles src/ to dist/ and copies the files the code reads at run time (the
// detection rule's YAML, the raw prefilter's WebAssembly), so `node dist/server.js` needs nothing from src/.
import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/detection/rules', 'dist/detection/rules', { recursive: true });
cpSync('src/ingest/raw-json-object.wasm', 'dist/ingest/raw-json-object.wasm');
// The launcher compares this stamp with the sources to know whether dist/ is stale.
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
