// Payloads too large for a PostgreSQL NOTIFY (8000 bytes): the notification carries the row's id instead.
import type { Kysely, Migration } from 'kysely';

export const pubsubOverflow: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('pubsub_overflow')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pubsub_overflow_created').on('pubsub_overflow').column('created_ms').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('pubsub_overflow').ifExists().execute();
  },
};
