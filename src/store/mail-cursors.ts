// Where each watched IMAP folder's reader is (the last UID handled, per UIDVALIDITY).
import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export interface FolderCursor {
  uidValidity: string;
  /** Every message up to this UID is handled. */
  lastUid: number;
}

export class MailCursors {
  constructor(private readonly db: Kysely<Tables>) {}

  async get(key: string): Promise<FolderCursor | undefined> {
    const row = await this.db.selectFrom('mail_cursors').select(['uid_validity', 'last_uid']).where('key', '=', key).executeTakeFirst();
    return row ? { uidValidity: row.uid_validity, lastUid: Number(row.last_uid) } : undefined;
  }

  async set(key: string, cursor: FolderCursor): Promise<void> {
    await this.db
      .insertInto('mail_cursors')
      .values({ key, uid_validity: cursor.uidValidity, last_uid: cursor.lastUid })
      .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ uid_validity: eb.ref('excluded.uid_validity'), last_uid: eb.ref('excluded.last_uid') })))
      .execute();
  }
}
