// Where the package is on disk, for the files read at run time from it (package.json, dist/console): the
// nearest folder above this module holding package.json. Found by walking up because the module sits at
// different depths: src/ when run from source, dist/ or dist/chunks/ in the bundle.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const PACKAGE_ROOT = packageRoot();
