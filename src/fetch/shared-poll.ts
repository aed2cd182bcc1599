// Fetching and incoming mirroring read the same delta endpoint. Within one run, a request the fetch has just
// made is answered from memory when the mirror asks for exactly the same page: with no fetch filters and the
// two cursors together (the steady state), a run costs one upstream request instead of two. Different filters
// or cursors give different paths, so each then makes its own request.
import type { WireDeltaResponse } from '../connectors/saas-security/wire.js';
import type { DeltaSource } from './delta-cursor.js';

/** A DeltaSource for one run: each distinct path is requested upstream at most once. */
export function sharedPollSource(source: DeltaSource): DeltaSource & { upstreamRequests(): number } {
  const pages = new Map<string, Promise<WireDeltaResponse>>();
  return {
    listIncidents(pathAndQuery) {
      let page = pages.get(pathAndQuery);
      if (!page) {
        page = source.listIncidents(pathAndQuery);
        pages.set(pathAndQuery, page);
        page.catch(() => pages.delete(pathAndQuery));
      }
      return page;
    },
    upstreamRequests: () => pages.size,
  };
}
