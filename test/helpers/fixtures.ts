// Recorded upstream data, committed under test/fixtures (copied from the team's recorded responses, so a fresh
// clone has everything its tests read).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function recordedFixture<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(path.join(root, relative), 'utf8')) as T;
}

export function recordedFixturePath(relative: string): string {
  return path.join(root, relative);
}
