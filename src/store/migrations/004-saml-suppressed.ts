// Suppressed SAML matches (an ignored principal's), one row per distinct record: samlDetectionStatus's
// count is the deployment's, survives restarts, and a record delivered twice counts once, like a match.
import type { Kysely, Migration } from 'kysely';

export const samlSuppressed: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('saml_suppressed')
      .addColumn('match_key', 'text', (c) => c.primaryKey())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('saml_suppressed').ifExists().execute();
  },
};
