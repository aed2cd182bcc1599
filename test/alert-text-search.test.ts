// The triage queue's text filter through its trigram index (migration 010: FTS5 on SQLite, pg_trgm on
// PostgreSQL), on both engines: the same answers as a substring match over every alert, in queue order, after
// inserts, source rewrites (a new title) and with LIKE's own wildcards in the words; and the index is used.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { SourceAlert } from '../src/domain/triage.js';
import { AlertRows } from '../src/store/alerts.js';
import { ENGINES, databaseLocation, open } from './helpers/databases.js';

const alert = (n: number, words: string): SourceAlert => ({
  alertId: `saml:det-${n}`,
  source: 'SAML_DETECTION',
  sourceId: `det-${n}`,
  severity: 'HIGH',
  title: `Suspicious SAML activity by ${words}`,
  createdAt: new Date(Date.UTC(2026, 11, 1) + n * 60_000).toISOString(),
  searchText: `suspicious saml activity by ${words} saml:det-${n}`.toLowerCase(),
  sourceState: null,
});

describe.each(ENGINES)('alert text search on %s', (engine) => {
  it('answers as a substring match over every alert would, newest first, after inserts and rewrites', async () => {
    const database = await open(await databaseLocation(engine));
    const rows = new AlertRows(database);
    const all = Array.from({ length: 300 }, (_, n) => alert(n, n % 7 === 0 ? `alice.admin${n}` : n % 11 === 0 ? 'bob_50%off' : `user${n}`));
    await database.db.transaction().execute(async (trx) => {
      for (const a of all) await rows.insert(trx, a, { status: 'OPEN', at: a.createdAt, by: null });
    });
    const expected = (text: string, list = all) =>
      list
        .filter((a) => a.searchText.includes(text.toLowerCase()))
        .sort((x, y) => y.createdAt.localeCompare(x.createdAt) || y.alertId.localeCompare(x.alertId))
        .map((a) => a.alertId);
    // A small window of newest alerts walked in order, so both ways (the walk and the index) and the window's edge are taken.
    const narrow = new AlertRows(database, 40);
    const found = async (text: string, limit = 500) => {
      const [wide, small] = [(await rows.list({ text }, null, limit)).map((a) => a.alertId), (await narrow.list({ text }, null, limit)).map((a) => a.alertId)];
      expect(small, `${text} through a 40-alert window`).toEqual(wide);
      return wide;
    };

    for (const text of ['alice.admin', 'ALICE.ADMIN7', 'user29', 'bob_50%', '50%off', 'saml:det-13', 'zz-no-such', 'ab']) {
      expect(await found(text), text).toEqual(expected(text));
    }
    expect(await found('alice.admin', 5)).toEqual(expected('alice.admin').slice(0, 5));

    // Paging with a cursor: every match once, in order (the newest-first walk and the index agree on where to resume).
    const paged: string[] = [];
    let after: { createdAt: string; alertId: string } | null = null;
    for (;;) {
      const page = await narrow.list({ text: 'user' }, after, 25);
      paged.push(...page.map((a) => a.alertId));
      if (page.length < 25) break;
      after = { createdAt: page.at(-1)!.createdAt, alertId: page.at(-1)!.alertId };
    }
    expect(paged).toEqual(expected('user'));

    // A source rewrite (a detection renamed) moves it in and out of the index.
    const renamed = { ...all[1]!, title: 'renamed to carol.ops', searchText: 'renamed to carol.ops saml:det-1' };
    await database.db.transaction().execute((trx) => rows.updateSource(trx, renamed));
    const now = all.map((a) => (a.alertId === renamed.alertId ? renamed : a));
    expect(await found('carol.ops')).toEqual(['saml:det-1']);
    expect(await found('user1')).toEqual(expected('user1', now));

    // The index answers the filter, not a scan of every alert (PostgreSQL would scan 300 rows by choice: told not to).
    if (engine === 'sqlite') {
      const plan = await sql<{ detail: string }>`explain query plan select * from alerts where rowid in (select rowid from alerts_text where search_text like ${'%alice%'})`.execute(database.db);
      expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(/VIRTUAL TABLE INDEX/);
    } else {
      const plan = await database.db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        return sql<{ 'QUERY PLAN': string }>`explain select * from alerts where search_text like ${'%alice.admin%'}`.execute(trx);
      });
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/alerts_search_trgm/);
    }
    await database.close();
  });
});
