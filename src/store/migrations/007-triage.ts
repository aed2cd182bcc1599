// The triage queue (src/triage/): one row per alert of any source with the columns the queue filters, orders
// and pages by, each order backed by an index ending in (created_at, alert_id); the comments and the activity
// history of each alert. Alerts already stored by the sources are added at start (src/triage/backfill.ts):
// their documents are JSON whose parsing differs per engine, so the backfill is the gateway's, not SQL's.
import type { Kysely, Migration } from 'kysely';

export const triage: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('alerts')
      .addColumn('alert_id', 'text', (c) => c.primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('assignee', 'text')
      .addColumn('search_text', 'text', (c) => c.notNull())
      .addColumn('source_state', 'text')
      .addColumn('updated_at', 'text')
      .addColumn('updated_by', 'text')
      .addColumn('triaged_at', 'text')
      .addColumn('resolved_at', 'text')
      .addColumn('comment_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('activity_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('alerts_created').on('alerts').columns(['created_at', 'alert_id']).execute();
    await db.schema.createIndex('alerts_status_created').on('alerts').columns(['status', 'created_at', 'alert_id']).execute();
    await db.schema.createIndex('alerts_source_created').on('alerts').columns(['source', 'created_at', 'alert_id']).execute();
    await db.schema.createIndex('alerts_assignee_created').on('alerts').columns(['assignee', 'created_at', 'alert_id']).execute();
    await db.schema.createIndex('alerts_severity_created').on('alerts').columns(['severity', 'created_at', 'alert_id']).execute();

    await db.schema
      .createTable('alert_comments')
      .addColumn('alert_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('author_key', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('edited_at', 'text')
      .addColumn('edits', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('alert_comments_pk', ['alert_id', 'seq'])
      .execute();

    await db.schema
      .createTable('alert_activity')
      .addColumn('alert_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('field', 'text', (c) => c.notNull())
      .addColumn('from_value', 'text')
      .addColumn('to_value', 'text')
      .addColumn('note', 'text')
      .addPrimaryKeyConstraint('alert_activity_pk', ['alert_id', 'seq'])
      .execute();
    // alertStats: the first move out of OPEN per alert is read by (field, at).
    await db.schema.createIndex('alert_activity_field_at').on('alert_activity').columns(['field', 'at']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('alert_activity').ifExists().execute();
    await db.schema.dropTable('alert_comments').ifExists().execute();
    await db.schema.dropTable('alerts').ifExists().execute();
  },
};
