// The node flags the compiled gateway runs with (scripts/start.mjs). Stack traces are mapped back to src/ by
// source-map-support, which reads a bundle's source map only when a stack trace is first formatted: Node's own
// --enable-source-maps parses the 5 MB bundle's map at every start, about 0.1 s of the 1.5 s start-up
// target (issue 12). An install without the package (a dependency pruned by hand) falls back to Node's flag.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** `node` flags that install stack-trace mapping for the bundle. */
export function serverNodeFlags() {
  try {
    return ['--import', pathToFileURL(require.resolve('source-map-support/register.js')).href];
  } catch {
    return ['--enable-source-maps'];
  }
}
