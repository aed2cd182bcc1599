// Loaded with `node --import` (through NODE_OPTIONS) by tests that check which packages a process loads:
// every ESM resolution of the process whose entry script is given is appended to SECGRAPH_RECORD_IMPORTS
// as one JSON line { main, specifier, url }. The hooks run on Node's loader thread, so the entry script is
// handed to them at registration.
import { register } from 'node:module';

if (process.env.SECGRAPH_RECORD_IMPORTS) {
  register('./record-imports-hooks.mjs', import.meta.url, {
    data: { file: process.env.SECGRAPH_RECORD_IMPORTS, main: process.argv[1] ?? '' },
  });
}
