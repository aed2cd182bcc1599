// Several SaaS Security tenants: an incident id is unique per tenant only, so the incidents' and fetch
// states' `scope` names the tenant: `saas:<instance>` (configured upstreams) or `sandbox:<instance>` (the
// built-in emulators). The rows of the one tenant there was before ('saas', 'sandbox') become the default
// tenant's (DEFAULT_SAAS_INSTANCE, the SAAS_SECURITY_* shorthand's name). The primary keys (scope,
// incident_id) and (scope) already keep tenants apart; no column changes.
import type { Kysely, Migration } from 'kysely';

const RENAMES = [
  ['saas', 'saas:default'],
  ['sandbox', 'sandbox:default'],
] as const;

export const saasTenants: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const table of ['incidents', 'fetch_state']) {
      for (const [from, to] of RENAMES) await db.updateTable(table).set({ scope: to }).where('scope', '=', from).execute();
    }
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const table of ['incidents', 'fetch_state']) {
      // Other tenants' rows have no place in the one-tenant schema.
      await db.deleteFrom(table).where('scope', 'not in', RENAMES.map(([, to]) => to)).execute();
      for (const [to, from] of RENAMES) await db.updateTable(table).set({ scope: to }).where('scope', '=', from).execute();
    }
  },
};
