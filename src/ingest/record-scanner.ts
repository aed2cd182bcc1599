// Splits a CloudTrail body into records as its text streams in, holding one record at a time, never the
// file: a gigabyte `{"Records":[…]}` costs the memory of its largest record. Each record's text goes to
// JSON.parse on its own, so a malformed record is reported and the ones around it are kept.
//
// Accepted shapes: `{"Records":[…]}` (S3 delivery; other top-level keys are ignored), a top-level array of
// records, a single record object, and any number of these one after another (JSON lines). A top-level
// value that turns out malformed is re-read line by line: its first line is rejected and scanning resumes
// on the next line, so one bad line in a JSON-lines body does not swallow the lines after it.

export type ScanItem = { ok: true; value: unknown } | { ok: false; reason: string };

/** Why an element of a records array longer than the limit is rejected. */
export const tooLargeReason = (maxChars: number) => `record larger than ${maxChars} characters`;

/** What the scanner emits for the complete text of one element of a records array. */
export function elementItem(text: string, maxChars: number): ScanItem {
  if (text.length > maxChars) return { ok: false, reason: tooLargeReason(maxChars) };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: `malformed JSON: ${(e as Error).message}` };
  }
}

/** The body does not start like JSON at all: the caller answers 400. */
export class NotJsonError extends Error {}

type State = 'top' | 'value' | 'records' | 'element' | 'rest' | 'skipline';

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class RecordScanner {
  private buf = '';
  private pos = 0;
  private state: State = 'top';
  /** Start (in buf) of the value being captured, in 'value' and 'element'. */
  private valueStart = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The element grew past maxValueChars: it is tracked to its end but no longer kept. */
  private discarding = false;
  private sawValue = false;

  /** Whether the body held any JSON value at all (an empty Records array counts). */
  get sawJson(): boolean {
    return this.sawValue;
  }

  /** Inside a records array (between elements or in one). */
  get inRecords(): boolean {
    return this.state === 'records' || this.state === 'element';
  }

  /**
   * Between two elements of a records array, holding no text: what follows up to the next element that is
   * not an object, or the array's `]`, may be read by another reader (RecordReader's raw path) as long as it
   * treats those elements as 'element' does, and the scanner is handed the rest from there.
   */
  get betweenRecords(): boolean {
    return this.state === 'records' && this.pos === this.buf.length;
  }
  // "Records" key detection at depth 1 of a top-level object.
  private strStart = -1;
  private lastString: string | null = null;
  private expectRecords = false;
  private topArray = false;

  constructor(
    private readonly emit: (item: ScanItem) => void,
    private readonly maxValueChars = 16 * 1024 * 1024,
  ) {}

  push(text: string): void {
    this.buf += text;
    this.scan();
    // A value (or a string inside it) past the limit stops being kept; it is rejected when it ends.
    if ((this.state === 'value' || this.state === 'element') && !this.discarding && this.pos - this.valueStart > this.maxValueChars) {
      this.discarding = true;
    }
    // Keep only what is still needed: the value being captured, or nothing.
    const keepFrom = (this.state === 'value' || this.state === 'element') && !this.discarding ? this.valueStart : this.pos;
    if (keepFrom > 0) {
      this.buf = this.buf.slice(keepFrom);
      this.pos -= keepFrom;
      this.valueStart -= keepFrom;
      if (this.strStart >= 0) this.strStart -= keepFrom;
    }
  }

  end(): void {
    for (;;) {
      if (this.state === 'value' && !this.discarding) {
        this.pos = this.buf.length;
        if (this.resync('unexpected end of input')) {
          this.scan();
          continue;
        }
        this.reject('unexpected end of input');
      } else if (this.state === 'value' || this.state === 'element') {
        this.reject(this.discarding ? tooLargeReason(this.maxValueChars) : 'unexpected end of input inside the Records array');
      } else if (this.state === 'records' || this.state === 'rest') {
        this.reject('the body ends before the Records array is closed');
      } else if (this.state === 'skipline') {
        this.reject('not JSON');
      }
      break;
    }
    this.state = 'top';
    this.buf = '';
    this.pos = 0;
    this.discarding = false;
  }

  private reject(reason: string): void {
    this.emit({ ok: false, reason });
  }

  /** Parses and emits a value's text; returns the parse error message, or null when it was emitted. */
  private complete(text: string): string | null {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return (e as Error).message;
    }
    this.emit({ ok: true, value });
    return null;
  }

  /** Rejects the first line of the current top-level value and rescans after it. False if it has one line. */
  private resync(why: string): boolean {
    const nl = this.buf.indexOf('\n', this.valueStart);
    if (nl < 0 || nl >= this.pos) return false;
    this.reject(`${why} (line skipped)`);
    this.pos = nl + 1;
    this.state = 'top';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    return true;
  }

  private scan(): void {
    const buf = this.buf;
    const len = buf.length;
    let i = this.pos;
    while (i < len) {
      const c = buf.charCodeAt(i);
      // Strings first: the bulk of CloudTrail text is inside them.
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.strStart >= 0) {
            this.lastString = i - this.strStart <= 16 ? buf.slice(this.strStart + 1, i) : null;
            this.strStart = -1;
          }
        }
        i++;
        continue;
      }
      switch (this.state) {
        case 'top':
          if (isWs(c)) {
            i++;
          } else if (c === 0x7b /* { */) {
            this.state = 'value';
            this.valueStart = i;
            this.depth = 1;
            this.lastString = null;
            this.expectRecords = false;
            this.sawValue = true;
            i++;
          } else if (c === 0x5b /* [ */) {
            this.state = 'records';
            this.topArray = true;
            this.sawValue = true;
            i++;
          } else {
            if (!this.sawValue) throw new NotJsonError(`the body is not JSON (it starts with ${JSON.stringify(buf.slice(i, i + 20))})`);
            this.state = 'skipline';
          }
          break;
        case 'skipline': {
          const nl = buf.indexOf('\n', i);
          if (nl < 0) {
            i = len;
          } else {
            this.reject('not JSON');
            this.state = 'top';
            i = nl + 1;
          }
          break;
        }
        case 'value':
          if (this.depth === 1 && this.expectRecords && !isWs(c)) {
            this.expectRecords = false;
            if (c === 0x5b) {
              // {"Records": [ : the wrapper is dropped, its elements are the records.
              this.state = 'records';
              this.topArray = false;
              i++;
              break;
            }
          }
          if (c === QUOTE) {
            const end = this.skipString(buf, i);
            if (this.depth === 1) {
              if (this.inString) this.strStart = i;
              else this.lastString = end - i <= 18 ? buf.slice(i + 1, end - 1) : null;
            }
            i = end;
            continue;
          } else if (c === 0x7b || c === 0x5b) {
            this.depth++;
          } else if (c === 0x7d || c === 0x5d) {
            this.depth--;
            if (this.depth === 0) {
              if (this.discarding) {
                this.discarding = false;
                this.reject(tooLargeReason(this.maxValueChars));
              } else if (i + 1 - this.valueStart > this.maxValueChars) {
                this.reject(tooLargeReason(this.maxValueChars));
              } else {
                const error = this.complete(buf.slice(this.valueStart, i + 1));
                if (error !== null) {
                  this.pos = i;
                  if (this.resync(`malformed JSON: ${error}`)) {
                    i = this.pos;
                    continue;
                  }
                  this.reject(`malformed JSON: ${error}`);
                }
              }
              this.state = 'top';
              i++;
              continue;
            }
          } else if (c === 0x3a /* : */ && this.depth === 1) {
            this.expectRecords = this.lastString === 'Records';
          }
          i++;
          if (this.discarding) {
            this.valueStart = i;
          } else if (i - this.valueStart > this.maxValueChars) {
            this.pos = i;
            // A long first line: give up on it; no newline yet: keep tracking it to its end, keeping nothing.
            if (this.resync(`value larger than ${this.maxValueChars} characters`)) i = this.pos;
            else this.discarding = true;
          }
          break;
        case 'records':
          if (isWs(c) || c === 0x2c /* , */) {
            i++;
          } else if (c === 0x5d /* ] */) {
            i++;
            if (this.topArray) {
              this.state = 'top';
            } else {
              this.state = 'rest';
              this.depth = 1;
            }
          } else {
            this.state = 'element';
            this.valueStart = i;
            this.depth = 0;
            this.discarding = false;
          }
          break;
        case 'element':
          if (c === QUOTE) {
            i = this.skipString(buf, i);
          } else if (c === 0x7b || c === 0x5b) {
            this.depth++;
            i++;
          } else if ((c === 0x7d || c === 0x5d) && this.depth > 0) {
            this.depth--;
            i++;
            if (this.depth === 0) this.finishElement(i);
          } else if (this.depth === 0 && (c === 0x2c || c === 0x5d || isWs(c))) {
            // The end of a scalar element; the separator is left for 'records'.
            this.finishElement(i);
          } else {
            i++;
          }
          if (this.discarding) this.valueStart = i;
          else if (this.state === 'element' && i - this.valueStart > this.maxValueChars) this.discarding = true;
          break;
        case 'rest':
          if (c === QUOTE) {
            i = this.skipString(buf, i);
            continue;
          } else if (c === 0x7b || c === 0x5b) this.depth++;
          else if (c === 0x7d || c === 0x5d) {
            this.depth--;
            if (this.depth === 0) this.state = 'top';
          }
          i++;
          break;
      }
    }
    this.pos = i;
  }

  /**
   * Jumps from an opening quote to just after its closing quote with indexOf, the hot path of the scan.
   * If the string runs past the buffer, leaves inString/escaped set for the next chunk and returns its end.
   */
  private skipString(buf: string, open: number): number {
    let from = open + 1;
    for (;;) {
      const q = buf.indexOf('"', from);
      if (q < 0) {
        let backslashes = 0;
        for (let b = buf.length - 1; b >= from && buf.charCodeAt(b) === BACKSLASH; b--) backslashes++;
        this.inString = true;
        this.escaped = backslashes % 2 === 1;
        return buf.length;
      }
      let backslashes = 0;
      for (let b = q - 1; b >= from && buf.charCodeAt(b) === BACKSLASH; b--) backslashes++;
      if (backslashes % 2 === 0) return q + 1;
      from = q + 1;
    }
  }

  private finishElement(end: number): void {
    if (this.discarding) this.reject(tooLargeReason(this.maxValueChars));
    else this.emit(elementItem(this.buf.slice(this.valueStart, end), this.maxValueChars));
    this.discarding = false;
    this.state = 'records';
  }
}
