// Retention by last activity: an incident still being mirrored is not pruned for having been fetched long
// ago. `last_activity_at` is the later of when it was fetched and when it was last synced either way.
import { sql, type Kysely, type Migration } from 'kysely';

export const incidentActivity: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('incidents').addColumn('last_activity_at', 'text').execute();
    await sql`update incidents set last_activity_at = fetched_at`.execute(db);
    await db.schema.createIndex('incidents_last_activity_at').on('incidents').columns(['scope', 'last_activity_at']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('incidents_last_activity_at').ifExists().execute();
    await db.schema.alterTable('incidents').dropColumn('last_activity_at').execute();
  },
};
