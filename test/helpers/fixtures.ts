// The recorded upstream data in ../shared/fixtures (beside the repository, as CI has it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');

export function sharedFixture<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(path.join(root, relative), 'utf8')) as T;
}

export function sharedFixturePath(relative: string): string {
  return path.join(root, relative);
}
