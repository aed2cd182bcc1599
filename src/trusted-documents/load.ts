// The trusted documents a gateway starts with: the console's manifest (written by its build beside it in
// dist/console, trusted without configuration) and SECGRAPH_TRUSTED_DOCUMENTS. Other rooms add theirs to the
// returned store at start (services.trustedDocuments.register).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CONSOLE_DIST } from '../console-route.js';
import type { Logger } from '../logger.js';
import { parseManifest, TrustedDocuments } from './trusted-documents.js';

/** The file the console's build writes its documents to (console/vite.config.ts). */
export const CONSOLE_MANIFEST = path.join(CONSOLE_DIST, 'persisted-documents.json');

export function loadTrustedDocuments(config: Pick<Config, 'trustedDocuments'>, logger: Logger, consoleManifest: string = CONSOLE_MANIFEST): TrustedDocuments {
  const store = new TrustedDocuments();
  if (existsSync(consoleManifest)) {
    try {
      store.registerAll(parseManifest(readFileSync(consoleManifest, 'utf8'), consoleManifest));
    } catch (e) {
      // The console is optional (an install may not have built it): a broken manifest only loses its ids.
      logger.warn({ file: consoleManifest, err: e instanceof Error ? e.message : String(e) }, "the console's trusted documents could not be read; rebuild it with npm run build:console");
    }
  }
  store.registerAll(config.trustedDocuments.manifest);
  return store;
}
