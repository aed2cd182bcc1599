// How far V8 lets the old generation grow past what survived its last full collection before it collects
// again. Left to itself, V8 grows it by up to 4× when the program allocates fast, and a gateway filling its
// cache with large pages (each replacing an older one, which becomes old-generation garbage) does: at
// SECGRAPH_CACHE_MAX_MB=16, 400 distinct 500-incident pages grew RSS by 230–250 MB while what was live grew by
// 30 MB. Bounding the growth to 30% made that 60–70 MB. Set once at start for the process (V8 reads the flag
// at every full collection); reads served from the cache make young garbage only, which this does not touch.
import { setFlagsFromString } from 'node:v8';

/** Percent the old generation may grow past its live size before the next full collection. */
export const HEAP_GROWING_PERCENT = 30;

let applied = false;

export function boundHeapGrowth(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
