// The audit trail (src/audit/): one row per action, append-only. `id` is the entry's place in the trail,
// handed out from event_streams like the event logs' ids, so it is the same whichever instance wrote it and
// in commit order; `seq` is the position of the row's latest write (its begin, then its completion) in the
// audit stream that Subscription.auditEvents and the pub/sub catch-up read. Each filter of Query.auditLog has
// an index ending in id (and the common pairs one of their own), so a newest-first page is an index range scan
// however long the trail is.
import type { Kysely, Migration } from 'kysely';

export const auditLog: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('audit_entries')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('actor_name', 'text')
      .addColumn('actor_email', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('request_id', 'text')
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .execute();
    await db.schema.createIndex('audit_entries_seq').on('audit_entries').column('seq').unique().execute();
    await db.schema.createIndex('audit_entries_at').on('audit_entries').columns(['at', 'id']).execute();
    await db.schema.createIndex('audit_entries_actor').on('audit_entries').columns(['actor_id', 'id']).execute();
    await db.schema.createIndex('audit_entries_action').on('audit_entries').columns(['action', 'id']).execute();
    await db.schema.createIndex('audit_entries_target').on('audit_entries').columns(['target', 'id']).execute();
    await db.schema.createIndex('audit_entries_outcome').on('audit_entries').columns(['outcome', 'id']).execute();
    // The two pairings a reviewer asks most ("what did this analyst close", "which closes never completed"):
    // without them the page would scan one filter's whole range for the other (bench/audit-log.bench.ts).
    await db.schema.createIndex('audit_entries_actor_action').on('audit_entries').columns(['actor_id', 'action', 'id']).execute();
    await db.schema.createIndex('audit_entries_action_outcome').on('audit_entries').columns(['action', 'outcome', 'id']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('audit_entries').ifExists().execute();
  },
};
