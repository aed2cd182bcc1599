// The resolve hook of record-imports.mjs: appends each resolution, then lets Node resolve as usual.
import { appendFileSync } from 'node:fs';

let target = { file: '', main: '' };

export function initialize(data) {
  target = data;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(target.file, `${JSON.stringify({ main: target.main, specifier, url: resolved.url })}\n`);
  return resolved;
}
