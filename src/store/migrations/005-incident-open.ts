// Retention never prunes an incident the gateway still has open: an analyst's case must not vanish because
// the upstream stopped reporting changes to it. `open` is 1 while the record's gatewayState is OPEN.
import { sql, type Kysely, type Migration } from 'kysely';

export const incidentOpen: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('incidents').addColumn('open', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    // The body is JSON.stringify output: this key and value appear unescaped only as the record's own field
    // (inside a string value the quotes would be escaped), so a text match reads it on both engines.
    await sql`update incidents set open = 0 where body like ${'%"gatewayState":"CLOSED"%'}`.execute(db);
    await db.schema.createIndex('incidents_open_activity').on('incidents').columns(['scope', 'open', 'last_activity_at']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('incidents_open_activity').ifExists().execute();
    await db.schema.alterTable('incidents').dropColumn('open').execute();
  },
};
