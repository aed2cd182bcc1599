// Secrets the deployment generates for itself and every instance must share (the cursor key). The first
// instance to ask writes one; everyone, that instance included, then reads the row that won, so two
// instances starting together on one database agree without any coordination but the primary key.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export class DeploymentSecrets {
  constructor(private readonly db: Kysely<Tables>) {}

  /** The secret `name`, `bytes` random bytes generated on first use; `created` tells whether this call wrote it. */
  async getOrCreate(name: string, bytes: number, now: Date = new Date()): Promise<{ secret: Buffer; created: boolean }> {
    const existing = await this.read(name);
    if (existing) return { secret: existing, created: false };
    // Insert-if-absent: of two instances racing here, one row wins (on SQLite the write lock, on PostgreSQL the
    // primary key's unique index make the loser's insert a no-op), and both read that row back.
    const inserted = await this.db
      .insertInto('deployment_secrets')
      .values({ name, secret: randomBytes(bytes).toString('base64'), created_at: now.toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    const secret = await this.read(name);
    if (!secret) throw new Error(`the deployment secret "${name}" could not be stored`);
    return { secret, created: Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 };
  }

  private async read(name: string): Promise<Buffer | null> {
    const row = await this.db.selectFrom('deployment_secrets').select('secret').where('name', '=', name).executeTakeFirst();
    return row ? Buffer.from(row.secret, 'base64') : null;
  }
}
