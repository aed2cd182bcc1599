// The alert outbox (src/store/outbox.ts): one row per delivery of one alert event to one destination, written
// in the transaction of the change that caused it. Workers claim due rows (claimed_by / claim_expires_ms, the
// row form of the job leases in leases.ts) and record each attempt's outcome on the row.
import type { Kysely, Migration } from 'kysely';

export const destinations: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('alert_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('alert_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('next_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('claimed_by', 'text')
      .addColumn('claim_expires_ms', 'bigint')
      .addColumn('response_status', 'integer')
      .addColumn('response', 'text')
      .addColumn('last_error', 'text')
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    // What a worker claims: a destination's due rows, oldest due first.
    await db.schema.createIndex('alert_deliveries_due').on('alert_deliveries').columns(['destination', 'status', 'next_at_ms']).execute();
    await db.schema.createIndex('alert_deliveries_alert').on('alert_deliveries').columns(['alert_id', 'created_ms']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('alert_deliveries').ifExists().execute();
  },
};
