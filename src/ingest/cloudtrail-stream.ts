// Feeds a byte stream (an HTTP body or a file) through gunzip (when compressed) and the record reader (raw
// prefilter, UTF-8 decoding, record scanner) into an IngestSession, chunk by chunk: memory stays at one chunk
// plus one record.
import { pipeline, Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { IngestSession } from '../detection/saml-detection-service.js';
import { RecordReader } from './record-reader.js';

export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    /** Bytes gunzip had produced when the body was refused (0: not gzip), for the log line. */
    readonly inflated = 0,
    message = `the body is larger than the limit of ${limit} bytes`,
  ) {
    super(message);
  }
}

/**
 * A gzip body that inflates far more than a CloudTrail log can: a bomb. Refused as soon as the ratio shows,
 * after about GZIP_RATIO_FLOOR bytes, not after inflating to the size limit (a 1 MB body of deflated
 * whitespace inflates to 1 GB, and scanning that costs seconds of CPU).
 */
export class GzipRatioError extends BodyTooLargeError {
  constructor(limit: number, inflated: number, readonly compressed: number, readonly maxRatio: number) {
    super(limit, inflated, `the body inflates more than ${maxRatio} times its gzip size, which a CloudTrail log does not`);
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
   * Largest inflated/compressed ratio of a gzip body, checked once it has inflated GZIP_RATIO_FLOOR bytes;
   * default DEFAULT_GZIP_MAX_RATIO. CloudTrail logs compress about 10:1 (synthetic logs with sequential
   * ids 40:1); deflate's own maximum is about 1032:1, which is what a bomb of whitespace or zeros reaches.
   */
  maxGzipRatio?: number;
  /**
   * Settle records the rule cannot alert on from their raw bytes (record-reader.ts); default true. false
   * parses and evaluates every record: the reference the raw path is tested against.
   */
  rawPrefilter?: boolean;
}

const GUNZIP_CHUNK_BYTES = 256 * 1024;

export const DEFAULT_GZIP_MAX_RATIO = 100;
/** Below this many inflated bytes the ratio is not checked: small bodies (and gzip's header) skew it. */
export const GZIP_RATIO_FLOOR = 1024 * 1024;

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
  let gunzip: Gunzip | null = null;
  if (gzip) {
    // zlib's default 16 KiB output chunks cost more in stream overhead than inflating does (a 135 MB file:
    // about 600 ms against 85 ms with 256 KiB); inflating runs on the libuv pool, beside the reader.
    gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    // pipeline destroys gunzip with the source's error (e.g. BodyTooLargeError), which ends the loop below.
    pipeline(Readable.from(bytes), gunzip, () => {});
    bytes = gunzip;
  }
  const maxRatio = opts.maxGzipRatio ?? DEFAULT_GZIP_MAX_RATIO;
  const reader = new RecordReader(session, opts.maxRecordChars, opts.rawPrefilter === false ? null : session.rawPrefilter);
  let decompressed = 0;
  try {
    for await (const chunk of bytes) {
      decompressed += (chunk as Uint8Array).byteLength;
      if (gunzip) {
        if (decompressed > opts.maxBytes) throw new BodyTooLargeError(opts.maxBytes, decompressed);
        // bytesWritten: the compressed bytes zlib has consumed so far (not those still queued for it).
        if (decompressed > GZIP_RATIO_FLOOR && decompressed > maxRatio * gunzip.bytesWritten) {
          throw new GzipRatioError(opts.maxBytes, decompressed, gunzip.bytesWritten, maxRatio);
        }
      } else if (decompressed > opts.maxBytes) throw new BodyTooLargeError(opts.maxBytes);
      reader.push(chunk as Uint8Array);
      // Matches are stored while the body streams; a reader faster than the database waits here.
      await session.drain();
    }
  } catch (e) {
    // Stop gunzip whatever the refusal (too large, a bomb, not JSON at its first bytes): it would otherwise
    // go on inflating into a buffer nobody reads.
    gunzip?.destroy();
    if (e instanceof BodyTooLargeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) throw new InvalidGzipError(`the body is not valid gzip: ${(e as Error).message}`);
    throw e;
  }
  reader.end();
  return { sawJson: reader.sawJson };
}
