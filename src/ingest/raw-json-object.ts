// Checks one JSON object on its raw UTF-8 bytes, without building it: the grammar JSON.parse enforces
// (strings, numbers, literals, nesting, its four whitespace bytes) plus a few facts a rule prefilter asks
// about named keys. The check itself is WebAssembly (assembly/raw-json-object.ts, built by
// `npm run build:wasm` into raw-json-object.wasm beside this file): it skips strings 16 bytes at a time,
// where JavaScript managed one, and builds nothing, where JSON.parse allocates every string and object
// (README "Performance").
//
// Only what it can decide exactly is answered: a backslash anywhere, nesting past 64 levels or a probed fact
// that does not hold gives NEEDS_PARSE, and the caller evaluates the record in full. Decoding cannot change
// the answer: UTF-8 decoding turns every non-ASCII byte sequence into non-ASCII characters (U+FFFD for
// invalid ones) and never swallows or invents an ASCII byte, and JSON's grammar is all ASCII, so the bytes
// are valid JSON exactly when the decoded text is.
import { readFileSync } from 'node:fs';

/** The object is not valid JSON, or is not something this check decides: evaluate it in full. */
export const NEEDS_PARSE = -1;
/** The bytes end before the object does. */
export const INCOMPLETE = -2;

export interface RawObjectProbe {
  /** Top-level keys whose last value (JSON.parse keeps the last of duplicates) must be neither absent nor null. */
  required: readonly string[];
  /** Of `required`: the key whose last value must be a string that `timeOk` accepts (its bytes' span). */
  timeKey: string;
  timeOk: (bytes: Uint8Array, start: number, end: number) => boolean;
  /** Of `required`: the key whose object values are searched for `nestedKey`. */
  parentKey: string;
  /** Inside parentKey's objects, every key equal to this ignoring ASCII case must hold a string or null. */
  nestedKey: string;
  /** Of `required`: the key whose last value must not be a string equal to one of `excludedValues`. */
  valueKey: string;
  excludedValues: readonly string[];
  /** Top-level keys that must not appear at all. */
  forbidden: readonly string[];
}

interface Exports {
  memory: WebAssembly.Memory;
  init(): void;
  probeAddress(): number;
  inputAddress(): number;
  check(start: number, limit: number): number;
  timeStart: WebAssembly.Global;
  timeEnd: WebAssembly.Global;
}

// The probe's layout in the module's memory (assembly/raw-json-object.ts reads it): six counts and indices,
// then from byte 16 a table of (u16 offset, u8 length) entries: keys (required, then forbidden) from entry 0,
// excluded values from entry 32, the nested key at entry 64; the bytes themselves from byte 512.
const MAX_KEYS = 32;
const TABLE = 16;
const BYTES = 512;
const PROBE_SIZE = 4096;

let module: WebAssembly.Module | null | undefined;
/** The compiled module, or null where WebAssembly (with SIMD) is not available: then nothing is settled raw. */
function wasmModule(): WebAssembly.Module | null {
  if (module === undefined) {
    // A missing file is a packaging bug, and throws; a runtime without WebAssembly (node --jitless) parses all.
    const bytes = readFileSync(new URL('./raw-json-object.wasm', import.meta.url));
    try {
      module = new WebAssembly.Module(bytes);
    } catch {
      module = null;
    }
  }
  return module;
}

/** Checks objects in one buffer at a time: begin(bytes), then check(start, limit) for offsets in it. */
export class RawObjectChecker {
  private readonly x: Exports;
  private readonly timeKey: boolean;
  private bytes: Uint8Array = new Uint8Array(0);

  private constructor(
    instance: WebAssembly.Instance,
    private readonly probe: RawObjectProbe,
  ) {
    this.x = instance.exports as unknown as Exports;
    this.x.init();
    this.timeKey = probe.required.includes(probe.timeKey);
    this.writeProbe();
  }

  /** null where WebAssembly is unavailable (the caller then parses everything). */
  static create(probe: RawObjectProbe): RawObjectChecker | null {
    const m = wasmModule();
    return m ? new RawObjectChecker(new WebAssembly.Instance(m, {}), probe) : null;
  }

  private writeProbe(): void {
    const p = this.probe;
    const keys = [...p.required, ...p.forbidden];
    if (keys.length > MAX_KEYS || p.excludedValues.length > MAX_KEYS || p.required.length > 31) throw new Error('too many probed keys');
    // The module folds A-Z only; no other character lower-cases to an ASCII letter but U+212A (KELVIN SIGN,
    // to `k`), so for a key of letters other than k that is exactly String.prototype.toLowerCase's equality.
    if (!/^[a-jl-z]+$/i.test(p.nestedKey)) throw new Error(`nested key ${p.nestedKey}: ASCII letters other than k only`);
    const mem = new Uint8Array(this.x.memory.buffer, this.x.probeAddress(), PROBE_SIZE);
    const view = new DataView(mem.buffer, mem.byteOffset, PROBE_SIZE);
    mem.fill(0);
    const index = (k: string) => p.required.indexOf(k);
    mem[0] = keys.length;
    mem[1] = p.required.length;
    view.setInt8(2, index(p.timeKey));
    view.setInt8(3, index(p.parentKey));
    view.setInt8(4, index(p.valueKey));
    mem[5] = p.excludedValues.length;
    let at = BYTES;
    const entry = (slot: number, text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      if (at + bytes.length > PROBE_SIZE || bytes.length > 255) throw new Error('probe too large');
      mem.set(bytes, at);
      view.setUint16(TABLE + slot * 4, at, true);
      mem[TABLE + slot * 4 + 2] = bytes.length;
      at += bytes.length;
    };
    keys.forEach((k, i) => entry(i, k));
    p.excludedValues.forEach((v, j) => entry(MAX_KEYS + j, v));
    entry(MAX_KEYS * 2, p.nestedKey.toLowerCase());
  }

  /** Copies `bytes` into the module, to be checked until the next begin(). */
  begin(bytes: Uint8Array): void {
    const at = this.x.inputAddress();
    const need = at + bytes.length - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / 65536));
    new Uint8Array(this.x.memory.buffer, at, bytes.length).set(bytes);
    this.bytes = bytes;
  }

  /**
   * For the object whose `{` is at bytes[start] (bytes as given to begin), read no further than `limit`: the
   * index just after its `}` when JSON.parse would accept its text and every probed fact holds; NEEDS_PARSE
   * or INCOMPLETE otherwise.
   */
  check(start: number, limit: number): number {
    const end = this.x.check(start, limit);
    if (end < 0 || !this.timeKey) return end;
    const s = this.x.timeStart.value as number;
    return s >= 0 && this.probe.timeOk(this.bytes, s, this.x.timeEnd.value as number) ? end : NEEDS_PARSE;
  }
}
