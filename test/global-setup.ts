// Vitest global setup: the console tests open /console in Chromium, so build it when it is missing or its
// sources changed since the last build (a fresh clone has nothing built).
import { buildConsole } from '../scripts/build-console.js';

export default async function setup(): Promise<void> {
  await buildConsole({ ifStale: true });
}
