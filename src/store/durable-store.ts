// A small durable key-value store under SECGRAPH_DATA_DIR that needs no server: an append-only log of JSON
// lines, fsync'd before a write returns, replayed on open. One line per write, so a batch is atomic: a
// crash (even kill -9) mid-write leaves a torn last line that is ignored on the next open. The log is
// compacted on open when it has grown well past the live data.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';

type Op<V> = { s: Array<[string, V]> } | { d: string[] } | { c: true };

/** Compact when the log holds more than this many lines per live key (and at least MIN_COMPACT lines). */
const COMPACT_RATIO = 4;
const MIN_COMPACT = 1000;

export class DurableStore<V> {
  private readonly data = new Map<string, V>();
  private fd: number;
  private lines = 0;

  private constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      // Cut a torn tail (a write that never completed) so the next append starts on a clean line.
      const end = text.lastIndexOf('\n') + 1;
      if (end < text.length) truncateSync(file, Buffer.byteLength(text.slice(0, end)));
      this.replay(text.slice(0, end));
    }
    if (this.lines >= MIN_COMPACT && this.lines > this.data.size * COMPACT_RATIO) this.compact();
    this.fd = openSync(file, 'a');
  }

  /** Opens (creating if needed) the store kept in `file`. Synchronous: call it at start-up. */
  static open<V>(file: string): DurableStore<V> {
    return new DurableStore<V>(file);
  }

  get size(): number {
    return this.data.size;
  }

  get(key: string): V | undefined {
    return this.data.get(key);
  }

  has(key: string): boolean {
    return this.data.has(key);
  }

  keys(): IterableIterator<string> {
    return this.data.keys();
  }

  values(): IterableIterator<V> {
    return this.data.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.data.entries();
  }

  /** Durable when it returns. */
  set(key: string, value: V): void {
    this.setMany([[key, value]]);
  }

  /** All or nothing, durable when it returns. */
  setMany(entries: ReadonlyArray<readonly [string, V]>): void {
    if (entries.length === 0) return;
    this.append({ s: entries.map(([k, v]) => [k, v] as [string, V]) });
    for (const [k, v] of entries) this.data.set(k, structuredClone(v));
  }

  delete(...keys: string[]): void {
    const present = keys.filter((k) => this.data.has(k));
    if (present.length === 0) return;
    this.append({ d: present });
    for (const k of present) this.data.delete(k);
  }

  clear(): void {
    this.append({ c: true });
    this.data.clear();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private append(op: Op<V>): void {
    if (this.fd < 0) throw new Error(`store ${this.file} is closed`);
    writeSync(this.fd, `${JSON.stringify(op)}\n`);
    fsyncSync(this.fd);
    this.lines += 1;
  }

  private replay(text: string): void {
    for (const line of text.split('\n')) {
      if (!line) continue;
      let op: Op<V>;
      try {
        op = JSON.parse(line) as Op<V>;
      } catch {
        // A torn write from a crash: the operation never completed, so it never happened.
        continue;
      }
      this.lines += 1;
      if ('s' in op) for (const [k, v] of op.s) this.data.set(k, v);
      else if ('d' in op) for (const k of op.d) this.data.delete(k);
      else if ('c' in op) this.data.clear();
    }
  }

  /** Rewrites the log as one batch of the live data, atomically (write, fsync, rename). */
  private compact(): void {
    const tmp = `${this.file}.compact`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, this.data.size ? `${JSON.stringify({ s: [...this.data] })}\n` : '');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    this.lines = this.data.size ? 1 : 0;
  }
}
