// Stack traces of the compiled gateway mapped back to src/, for scripts/start.mjs. source-map-support reads a
// bundle's source map only when a stack trace is first formatted; Node's own mapping (--enable-source-maps,
// process.setSourceMapsEnabled) parses the 5 MB bundle's map at every start, about 0.1 s of the 1.5 s
// start-up target (issue 12). An install without the package (a dependency pruned by hand) falls back to Node's.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Installs the mapping for modules loaded from now on; says which mechanism it used. */
export function installStackTraceMapping() {
  try {
    require('source-map-support').install();
    return 'source-map-support';
  } catch {
    process.setSourceMapsEnabled(true);
    return 'node';
  }
}
