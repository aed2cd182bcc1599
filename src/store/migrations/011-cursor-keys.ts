// Secrets the whole deployment shares and that no one configured: today the key cursors are signed with
// when SECGRAPH_CURSOR_KEY is unset (src/security/cursor-keys.ts). One row per secret, written once by the
// first instance to start (insert-if-absent, so two instances starting together agree on the winner's).
import type { Kysely, Migration } from 'kysely';

export const cursorKeys: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('deployment_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('deployment_secrets').ifExists().execute();
  },
};
