// How far V8 lets the old generation grow past what survived its last full collection, while the in-memory
// cache takes in entries fast. Left to itself, V8 grows it by up to 4× when the program allocates fast, and
// a cache filling with large pages and replacing them at its cap does (each page becomes old-generation
// garbage once replaced): at SECGRAPH_CACHE_MAX_MB=16, 400 distinct 500-incident pages grew RSS by 230–250 MB
// while what was live grew by 30 MB. With the growth bounded to 30%, 37 MB. The bound costs full collections,
// so it is on only while the cache is written fast (lru-store.ts: an eighth of its cap within WINDOW_MS), and
// off again EASE_MS after that stops: reads served from the cache make young garbage only and keep V8's own
// growth (with the bound always on, a cached read measured 564 against 480 µs of CPU, and a worse p99).
// V8 reads the flag each time it sets its next limit (after every full collection).
import { setFlagsFromString } from 'node:v8';

/** Percent the old generation may grow past its live size before the next full collection, while bounded. */
export const HEAP_GROWING_PERCENT = 30;
/** How long the bound stays on after the cache was last written fast. */
export const EASE_MS = 30_000;

let bounded = false;
let timer: NodeJS.Timeout | null = null;
let lastFastWrite = 0;

function ease(): void {
  const quiet = Date.now() - lastFastWrite;
  if (quiet < EASE_MS) {
    timer = setTimeout(ease, EASE_MS - quiet).unref();
    return;
  }
  timer = null;
  bounded = false;
  setFlagsFromString('--heap-growing-percent=0'); // 0: V8's own dynamic factor
}

/** The cache is being written fast: bound the heap's growth until it stops. */
export function boundHeapGrowth(): void {
  lastFastWrite = Date.now();
  if (!bounded) {
    bounded = true;
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  }
  timer ??= setTimeout(ease, EASE_MS).unref();
}

/** Whether the bound is on now (for tests). */
export const heapGrowthBounded = () => bounded;
