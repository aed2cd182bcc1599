// Turns a body's bytes into records for an IngestSession. The RecordScanner (on decoded text) is the
// reference for every shape of body; inside a records array a raw path takes over: it reads the gunzipped
// bytes themselves, settles each object that a RawPrefilter can decide (valid JSON, accepted, no match, no rule
// error) without decoding or parsing it, and hands every other object to JSON.parse exactly as the scanner
// would. Anything else (the array's `]`, an element that is not an object, an element longer than
// RAW_CARRY_LIMIT) goes back to the scanner, from a point where it holds nothing, so the two never disagree on
// where a record starts or ends.
import { INCOMPLETE } from './raw-json-object.js';
import { elementItem, RecordScanner, type ScanItem } from './record-scanner.js';

/** Settles records on their raw bytes for one rule (e.g. saml-raw-prefilter.ts). */
export interface RawPrefilter {
  /** The buffer the following checks are on (until the next begin, which may come from another reader). */
  begin(b: Uint8Array): void;
  /**
   * For the object whose `{` is at b[start]: the index just after it when full evaluation would accept it
   * and find nothing (no match, no rule error), INCOMPLETE when the bytes end first, else a negative value.
   */
  check(start: number, limit: number): number;
}

export interface RecordSink {
  push(item: ScanItem): void;
  /** A record the prefilter settled: accepted, nothing found. */
  pushSettled(): void;
}

/** An element still open at the end of a chunk is carried into the next; past this it goes to the scanner. */
const RAW_CARRY_LIMIT = 256 * 1024;
/** Of the next chunk, this much is joined to the carried element first (it usually ends well within it). */
const CARRY_JOIN = 8 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Where the scanner's 'element' state ends an element that starts with `{` at b[start] (strings skipped with
 * their escapes, brackets of either kind counted), or -1 if the bytes end first. Byte offsets and character
 * offsets agree on this: decoding never turns a non-ASCII byte into `"`, `\`, a bracket or a brace.
 */
export function objectElementEnd(b: Uint8Array, start: number, limit: number): number {
  let depth = 0;
  for (let i = start; i < limit; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      for (i++; i < limit; i++) {
        const s = b[i]!;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

export class RecordReader {
  private readonly decoder = new TextDecoder('utf-8');
  /** Decodes single elements; each call starts and ends on a character boundary. */
  private readonly elementDecoder = new TextDecoder('utf-8');
  private readonly scanner: RecordScanner;
  private raw = false;
  /** The start of an element the last chunk ended in (raw path only). */
  private carry: Buffer | null = null;
  /** The buffer last given to prefilter.begin() in this push (the prefilter may be shared by readers). */
  private begun: Uint8Array | null = null;

  constructor(
    private readonly sink: RecordSink,
    private readonly maxRecordChars: number,
    private readonly prefilter: RawPrefilter | null,
  ) {
    this.scanner = new RecordScanner((item) => sink.push(item), maxRecordChars);
  }

  get sawJson(): boolean {
    return this.scanner.sawJson;
  }

  push(chunk: Uint8Array): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.begun = null;
    let p = 0;
    if (this.carry) {
      p = this.resumeCarry(b);
      if (p < 0) return;
    }
    while (p < b.length) p = this.raw ? this.readRaw(b, p) : this.feedScanner(b, p);
  }

  end(): void {
    if (this.carry) this.toScanner(this.carry);
    this.carry = null;
    this.scanner.push(this.decoder.decode());
    this.scanner.end();
  }

  /** Gives the scanner b[p..] or, before a records array, up to its `[`, where the raw path may start. */
  private feedScanner(b: Buffer, p: number): number {
    let q = b.length;
    if (this.prefilter && !this.scanner.inRecords) {
      // Before the first value, only split where the scanner will not throw NotJsonError (its message
      // quotes what follows): after its whitespace (a BOM, EF BB BF, included) comes `{` or `[`.
      let first = p;
      for (;;) {
        const c = b[first];
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) first += 1;
        else if (c === 0xef && b[first + 1] === 0xbb && b[first + 2] === 0xbf) first += 3;
        else break;
      }
      if (this.scanner.sawJson || b[first] === 0x7b || b[first] === 0x5b) {
        const open = b.indexOf(0x5b, p);
        if (open >= 0) q = open + 1;
      }
    }
    this.scanner.push(this.decoder.decode(b.subarray(p, q), { stream: true }));
    // After an ASCII byte the decoder holds no partial character, so skipping bytes leaves it in step.
    if (this.prefilter && this.scanner.betweenRecords && b[q - 1]! < 0x80) this.raw = true;
    return q;
  }

  /** Hands bytes that start where the scanner stands (between records) to it, and the scanner takes over. */
  private toScanner(bytes: Uint8Array): void {
    this.raw = false;
    this.scanner.push(this.decoder.decode(bytes, { stream: true }));
  }

  /** The raw path from b[p], between two elements; returns where it stopped (b.length: all read). */
  private readRaw(b: Buffer, p: number): number {
    const len = b.length;
    while (p < len) {
      const c = b[p]!;
      // The scanner's 'records' state skips these between elements.
      if (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        p++;
        continue;
      }
      if (c !== 0x7b) {
        // `]`, an element that is not an object, a BOM…: the scanner's.
        this.raw = false;
        return p;
      }
      const end = this.element(b, p, len);
      if (end < 0) {
        this.keepCarry(Buffer.from(b.subarray(p)));
        return len;
      }
      p = end;
    }
    return p;
  }

  private keepCarry(carry: Buffer): void {
    if (carry.length > RAW_CARRY_LIMIT) this.toScanner(carry);
    else this.carry = carry;
  }

  /** Finishes the element carried from the last chunk; returns where b goes on, or -1 if it ate all of b. */
  private resumeCarry(b: Buffer): number {
    const carry = this.carry!;
    this.carry = null;
    let joined = Buffer.concat([carry, b.subarray(0, CARRY_JOIN)]);
    let end = this.element(joined, 0, joined.length);
    if (end < 0 && b.length > CARRY_JOIN) {
      joined = Buffer.concat([carry, b]);
      end = this.element(joined, 0, joined.length);
    }
    if (end < 0) {
      this.keepCarry(joined);
      return -1;
    }
    return end - carry.length;
  }

  /** Settles or emits the object element at b[start]; returns its end, or -1 if b ends first (nothing done). */
  private element(b: Buffer, start: number, limit: number): number {
    const prefilter = this.prefilter!;
    if (this.begun !== b) {
      prefilter.begin(b);
      this.begun = b;
    }
    let end = prefilter.check(start, limit);
    if (end === INCOMPLETE) return -1;
    if (end >= 0 && end - start <= this.maxRecordChars) {
      this.sink.pushSettled();
      return end;
    }
    if (end < 0) end = objectElementEnd(b, start, limit);
    if (end < 0) return -1;
    this.sink.push(elementItem(this.elementDecoder.decode(b.subarray(start, end)), this.maxRecordChars));
    return end;
  }
}
