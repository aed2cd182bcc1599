// `npm run build:server`: bundles src/ into dist/ with esbuild (dist/server.js and its chunks in
// dist/chunks/), and puts the files the code reads at run time (the detection rule's YAML, the raw
// prefilter's WebAssembly, the MCP tools' documents) beside the output file that reads them, so `node dist/server.js` needs nothing
// from src/. A bundle, not tsc's file per module: Node's ESM loader resolved, read and compiled some 1,500
// files at every start (about 60% of start-up); one bundle starts in about half the time. The clients of
// Redis, IMAP, mail parsing and PostgreSQL are not bundled: Node loads them from node_modules, each only when
// its connector is configured (dynamic imports; test/compiled-start.test.ts records what the bundle resolves).
// Type checking is `npm run typecheck`'s (esbuild only strips types). dist/console (the console's build) is
// left alone.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';

const out = 'dist';
mkdirSync(out, { recursive: true });
for (const entry of readdirSync(out)) if (entry !== 'console') rmSync(path.join(out, entry), { recursive: true, force: true });

const result = await build({
  entryPoints: { server: 'src/server.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out,
  chunkNames: 'chunks/[name]-[hash]',
  // Whitespace and syntax minified, names kept (stack frames and class names read as in src/): a third less
  // for V8 to compile and for Node's source maps to index at every start, about 0.05 s of it (issue 12).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  // Stack traces need the mappings, not the sources: without them the maps are a fraction of the size that
  // Node's source-map support reads at start.
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  // Native addons stay in node_modules (pg-native is pg's optional native driver, never installed here), and so
  // do the optional connectors' clients: loaded by Node itself when configured, with Node's own CommonJS
  // interop (esbuild's gave `(await import('ioredis')).Redis` as undefined).
  external: ['better-sqlite3', 'pg-native', 'ioredis', '@keyv/redis', 'pg', 'imapflow', 'mailparser'],
  // Bundled CommonJS packages call require(); ESM output has none of its own.
  banner: { js: "import { createRequire as __secgraphRequire } from 'node:module'; const require = __secgraphRequire(import.meta.url);" },
});

/** The output files holding a source module, so a file it reads beside itself is put beside them. */
const outputsOf = (source) =>
  Object.entries(result.metafile.outputs)
    .filter(([file, o]) => file.endsWith('.js') && Object.keys(o.inputs).includes(source))
    .map(([file]) => path.dirname(file));
const beside = (source, file, name) => {
  const dirs = outputsOf(source);
  if (dirs.length === 0) throw new Error(`build-server: ${source} is in no output file`);
  for (const dir of dirs) cpSync(file, path.join(dir, name), { recursive: true });
};
beside('src/detection/rule-spec.ts', 'src/detection/rules', 'rules');
// Each rule's YAML also as JSON (rule-spec.ts's compiledRuleFile), read instead of the YAML at start.
for (const dir of outputsOf('src/detection/rule-spec.ts')) {
  for (const file of readdirSync(path.join(dir, 'rules')).filter((f) => /\.ya?ml$/.test(f))) {
    const yamlFile = path.join(dir, 'rules', file);
    writeFileSync(yamlFile.replace(/\.ya?ml$/, '.json'), JSON.stringify(parse(readFileSync(yamlFile, 'utf8'))));
  }
}
beside('src/ingest/raw-json-object.ts', 'src/ingest/raw-json-object.wasm', 'raw-json-object.wasm');
// The MCP tools' GraphQL documents (src/mcp/tool-documents.ts reads tools/ beside itself).
beside('src/mcp/tool-documents.ts', 'src/mcp/tools', 'tools');
if (!existsSync(path.join(out, 'server.js'))) throw new Error('build-server: dist/server.js was not written');
// The launcher compares this stamp with the sources to know whether dist/ is stale.
writeFileSync(path.join(out, '.build-stamp'), `${new Date().toISOString()}\n`);
