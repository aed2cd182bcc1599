// Feeds a byte stream (an HTTP body or a file) through gunzip (when compressed) and the record reader (raw
// prefilter, UTF-8 decoding, record scanner) into an IngestSession, chunk by chunk: memory stays at one chunk
// plus one record.
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { IngestSession } from '../detection/saml-detection-service.js';
import { RecordReader } from './record-reader.js';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the body is larger than the limit of ${limit} bytes`);
  }
}

export class InvalidGzipError extends Error {}

export interface StreamIngestOptions {
  /** true, false, or 'auto': decide from the gzip magic bytes. */
  gzip: boolean | 'auto';
  /** Limit on the bytes read from the source, and again on the bytes gunzip produces (a gzip bomb stops there). */
  maxBytes: number;
  maxRecordChars: number;
  /**
   * Settle records the rule cannot alert on from their raw bytes (record-reader.ts); default true. false
   * parses and evaluates every record: the reference the raw path is tested against.
   */
  rawPrefilter?: boolean;
}

const GUNZIP_CHUNK_BYTES = 256 * 1024;

const isGzipMagic = (chunk: Uint8Array) => chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;

/**
 * Throws NotJsonError, BodyTooLargeError or InvalidGzipError; everything inside the body is counted in the
 * session. Returns whether anything in the body started like JSON (false: empty or whitespace).
 */
export async function ingestCloudTrailStream(
  source: AsyncIterable<Uint8Array>,
  session: IngestSession,
  opts: StreamIngestOptions,
): Promise<{ sawJson: boolean }> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return { sawJson: false };
  const gzip = opts.gzip === 'auto' ? isGzipMagic(first.value) : opts.gzip;
  let read = 0;
  async function* limited(): AsyncGenerator<Uint8Array> {
    let next: IteratorResult<Uint8Array> = first;
    while (!next.done) {
      read += next.value.byteLength;
      if (read > opts.maxBytes) throw new BodyTooLargeError(opts.maxBytes);
      yield next.value;
      next = await iterator.next();
    }
  }

  let bytes: AsyncIterable<Uint8Array> = limited();
  if (gzip) {
    // zlib's default 16 KiB output chunks cost more in stream overhead than inflating does (a 135 MB file:
    // about 600 ms against 85 ms with 256 KiB); inflating runs on the libuv pool, beside the reader.
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    // pipeline destroys gunzip with the source's error (e.g. BodyTooLargeError), which ends the loop below.
    pipeline(Readable.from(bytes), gunzip, () => {});
    bytes = gunzip;
  }
  const reader = new RecordReader(session, opts.maxRecordChars, opts.rawPrefilter === false ? null : session.rawPrefilter);
  let decompressed = 0;
  try {
    for await (const chunk of bytes) {
      decompressed += (chunk as Uint8Array).byteLength;
      if (decompressed > opts.maxBytes) throw new BodyTooLargeError(opts.maxBytes);
      reader.push(chunk as Uint8Array);
      // Matches are stored while the body streams; a reader faster than the database waits here.
      await session.drain();
    }
  } catch (e) {
    if (e instanceof BodyTooLargeError) {
      // Stop gunzip too: it would otherwise go on inflating into a buffer nobody reads.
      if (gzip) (bytes as unknown as NodeJS.ReadableStream & { destroy(): void }).destroy();
      throw e;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) throw new InvalidGzipError(`the body is not valid gzip: ${(e as Error).message}`);
    throw e;
  }
  reader.end();
  return { sawJson: reader.sawJson };
}
