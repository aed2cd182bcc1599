// The triage queue's text filter (`AlertFilter.text`, a case-insensitive substring of the alert's title, ids
// and names) was a LIKE '%…%' over every alert: a scan, 221 ms p99 at 100,000 alerts. A trigram index answers
// it on both engines:
// - SQLite: an FTS5 table with the trigram tokenizer over alerts.search_text (external content, kept in step by
//   triggers on alerts; its rowids are the alerts' rowids, which the gateway never renumbers: it never VACUUMs).
//   FTS5 accelerates LIKE with the trigram tokenizer for patterns of 3 characters or more.
// - PostgreSQL: pg_trgm's GIN index, which the planner uses for the same LIKE. pg_trgm ships with PostgreSQL
//   (contrib) and is a trusted extension; where it cannot be created the queue still works, by the scan, and the
//   migration says so rather than failing the start.
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

export const alertTextSearch: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    if (isPostgres(db)) {
      await sql`
        do $$ begin
          create extension if not exists pg_trgm;
          create index if not exists alerts_search_trgm on alerts using gin (search_text gin_trgm_ops);
        exception when others then
          raise warning 'pg_trgm is not available (%): the alert queue''s text filter scans', sqlerrm;
        end $$`.execute(db);
      return;
    }
    await sql`create virtual table alerts_text using fts5(search_text, content='alerts', content_rowid='rowid', tokenize='trigram')`.execute(db);
    await sql`insert into alerts_text(alerts_text) values ('rebuild')`.execute(db);
    await sql`create trigger alerts_text_insert after insert on alerts begin
      insert into alerts_text(rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
    await sql`create trigger alerts_text_delete after delete on alerts begin
      insert into alerts_text(alerts_text, rowid, search_text) values ('delete', old.rowid, old.search_text); end`.execute(db);
    await sql`create trigger alerts_text_update after update of search_text on alerts begin
      insert into alerts_text(alerts_text, rowid, search_text) values ('delete', old.rowid, old.search_text);
      insert into alerts_text(rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    if (isPostgres(db)) {
      await sql`drop index if exists alerts_search_trgm`.execute(db);
      return;
    }
    for (const t of ['alerts_text_insert', 'alerts_text_delete', 'alerts_text_update']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
    await sql`drop table if exists alerts_text`.execute(db);
  },
};
