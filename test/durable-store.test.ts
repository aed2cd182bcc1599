// The on-disk store that fetch cursors, alerts and scheduled tasks rely on across restarts and crashes.
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableStore } from '../src/store/durable-store.js';

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'secgraph-store-')), 'nested', 'store.jsonl');

describe('DurableStore', () => {
  it('keeps sets and deletes across reopen', () => {
    const file = tempFile();
    const a = DurableStore.open<{ n: number }>(file);
    a.set('x', { n: 1 });
    a.setMany([['y', { n: 2 }], ['z', { n: 3 }]]);
    a.delete('y');
    a.close();
    const b = DurableStore.open<{ n: number }>(file);
    expect([...b.entries()]).toEqual([['x', { n: 1 }], ['z', { n: 3 }]]);
  });

  it('ignores a torn last line left by a crash, keeping every completed write', () => {
    const file = tempFile();
    const a = DurableStore.open<number>(file);
    a.set('done', 1);
    a.close();
    appendFileSync(file, '{"s":[["half",');
    const b = DurableStore.open<number>(file);
    expect(b.get('done')).toBe(1);
    expect(b.has('half')).toBe(false);
    b.set('after', 2);
    b.close();
    expect(DurableStore.open<number>(file).get('after')).toBe(2);
  });

  it('compacts a long log on open without losing data', () => {
    const file = tempFile();
    const a = DurableStore.open<number>(file);
    for (let i = 0; i < 2000; i++) a.set('k', i);
    a.close();
    const b = DurableStore.open<number>(file);
    expect(b.get('k')).toBe(1999);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('does not let callers mutate stored values behind its back', () => {
    const a = DurableStore.open<{ n: number }>(tempFile());
    const v = { n: 1 };
    a.set('x', v);
    v.n = 2;
    expect(a.get('x')).toEqual({ n: 1 });
  });
});
