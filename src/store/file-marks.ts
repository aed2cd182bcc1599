// What the CloudTrail folder watcher has read: one row per log file (its path below the watched root).
import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export interface FileMark {
  size: number;
  mtimeMs: number;
  accepted: number;
  rejected: number;
  matched: number;
  /** Why the file could not be read through, if it could not. */
  error: string | null;
}

export class FileMarks {
  constructor(private readonly db: Kysely<Tables>) {}

  async has(path: string): Promise<boolean> {
    return (await this.db.selectFrom('cloudtrail_files').select('path').where('path', '=', path).executeTakeFirst()) !== undefined;
  }

  async get(path: string): Promise<FileMark | undefined> {
    const row = await this.db.selectFrom('cloudtrail_files').select('body').where('path', '=', path).executeTakeFirst();
    return row ? (JSON.parse(row.body) as FileMark) : undefined;
  }

  async set(path: string, mark: FileMark): Promise<void> {
    await this.db
      .insertInto('cloudtrail_files')
      .values({ path, body: JSON.stringify(mark) })
      .onConflict((oc) => oc.column('path').doUpdateSet((eb) => ({ body: eb.ref('excluded.body') })))
      .execute();
  }

  async size(): Promise<number> {
    const row = await this.db.selectFrom('cloudtrail_files').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
