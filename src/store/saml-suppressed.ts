// The SAML matches suppressed because an ignored principal made them (SAML_IGNORE_PRINCIPALS), by match key
// (a hash of the whole record, as matched events are keyed): counted once however often a record arrives.
import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export class SuppressedMatches {
  constructor(private readonly db: Kysely<Tables>) {}

  async record(matchKeys: readonly string[], at: string): Promise<void> {
    if (matchKeys.length === 0) return;
    await this.db
      .insertInto('saml_suppressed')
      .values([...new Set(matchKeys)].map((match_key) => ({ match_key, recorded_at: at })))
      .onConflict((oc) => oc.column('match_key').doNothing())
      .execute();
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('saml_suppressed').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
