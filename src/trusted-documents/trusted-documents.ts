// The documents this deployment trusts: the console's own (its build writes a manifest beside it), the file
// SECGRAPH_TRUSTED_DOCUMENTS names, and what other rooms register at start (the MCP tools' operations).
// A manifest is a JSON map of document id → document text, as graphql-codegen's client preset
// (`persistedDocuments`) and Hive produce. Ids are `sha256:<hex>` (the GraphQL-over-HTTP persisted documents
// proposal), bare hex (Apollo's persistedQuery.sha256Hash) or any other string a manifest uses; the two
// sha256 spellings name the same document. A client sending a trusted document's full text is running that
// document too: trust is in the text, the id only a short way to name it.
import { createHash } from 'node:crypto';

const SHA256_ID = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/** One spelling for the two ways of writing a sha256 id. */
export function normalizeDocumentId(id: string): string {
  const sha = SHA256_ID.exec(id);
  return sha ? `sha256:${sha[1]!.toLowerCase()}` : id;
}

/** The id a document has by its text: `sha256:<hex of its UTF-8 bytes>`. */
export function documentIdOf(document: string): string {
  return `sha256:${createHash('sha256').update(document, 'utf8').digest('hex')}`;
}

/** Parses a manifest's JSON; throws with `where` in the message when it is not a map of strings. */
export function parseManifest(json: string, where: string): Map<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new Error(`${where} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${where} must be a JSON object of document id → document`);
  const entries = Object.entries(data as Record<string, unknown>);
  const bad = entries.find(([, v]) => typeof v !== 'string' || !v.trim());
  if (bad) throw new Error(`${where}: the document of "${bad[0]}" is not a non-empty string`);
  return new Map(entries as Array<[string, string]>);
}

export class TrustedDocuments {
  private readonly byId = new Map<string, string>();
  private readonly texts = new Set<string>();

  /** Trusts `document` under `id` (default: its sha256) and under its sha256 too. Returns the id. */
  register(document: string, id: string = documentIdOf(document)): string {
    const normalized = normalizeDocumentId(id);
    const existing = this.byId.get(normalized);
    if (existing !== undefined && existing !== document) throw new Error(`trusted document id ${id} names two different documents`);
    this.byId.set(normalized, document);
    this.byId.set(documentIdOf(document), document);
    this.texts.add(document);
    return normalized;
  }

  /** Every entry of a manifest (id → document). */
  registerAll(manifest: ReadonlyMap<string, string> | Record<string, string>): void {
    for (const [id, document] of manifest instanceof Map ? manifest : Object.entries(manifest)) this.register(document, id);
  }

  /** The document a client names by id, or undefined. */
  get(id: string): string | undefined {
    return this.byId.get(normalizeDocumentId(id));
  }

  /** Whether this exact text is a trusted document (sent by id, or in full). */
  trusts(document: string): boolean {
    return this.texts.has(document);
  }

  get size(): number {
    return this.texts.size;
  }
}
