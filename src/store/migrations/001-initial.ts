// The first schema: every table the gateway keeps. Written with Kysely's schema builder only, so the same
// migration runs on SQLite and PostgreSQL.
import type { Kysely, Migration } from 'kysely';

export const initial: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('incidents')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('incident_id', 'bigint', (c) => c.notNull())
      .addColumn('incoming', 'integer', (c) => c.notNull())
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('incidents_pk', ['scope', 'incident_id'])
      .execute();
    await db.schema.createIndex('incidents_incoming').on('incidents').columns(['scope', 'incoming']).execute();
    await db.schema.createIndex('incidents_fetched_at').on('incidents').columns(['scope', 'fetched_at']).execute();

    await db.schema.createTable('fetch_state').addColumn('scope', 'text', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();

    await db.schema
      .createTable('event_streams')
      .addColumn('stream', 'text', (c) => c.primaryKey())
      .addColumn('last_id', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('events')
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('id', 'bigint', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('events_pk', ['stream', 'id'])
      .execute();
    await db.schema.createIndex('events_at').on('events').columns(['stream', 'at']).execute();

    await db.schema
      .createTable('sta_alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('user_key', 'text')
      .addColumn('run_state', 'text')
      .addColumn('due_at', 'text')
      .addColumn('superseded_by', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sta_alerts_recorded').on('sta_alerts').columns(['recorded_at', 'id']).execute();
    await db.schema.createIndex('sta_alerts_due').on('sta_alerts').columns(['due_at']).execute();
    await db.schema.createIndex('sta_alerts_user').on('sta_alerts').columns(['user_key', 'kind']).execute();
    await db.schema.createIndex('sta_alerts_superseded_by').on('sta_alerts').columns(['superseded_by']).execute();

    await db.schema
      .createTable('saml_windows')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('start_ms', 'bigint', (c) => c.notNull())
      .addColumn('event_count', 'integer', (c) => c.notNull())
      .addColumn('first_event_at', 'text', (c) => c.notNull())
      .addColumn('last_event_at', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text')
      .addColumn('actor_arn', 'text')
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('saml_windows_key').on('saml_windows').columns(['key', 'start_ms']).execute();
    await db.schema.createIndex('saml_windows_listing').on('saml_windows').columns(['first_event_at', 'id']).execute();
    await db.schema
      .createTable('saml_events')
      .addColumn('alert_id', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('match_key', 'text', (c) => c.notNull())
      .addColumn('event_time', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('saml_events_pk', ['alert_id', 'n'])
      .execute();
    await db.schema.createIndex('saml_events_match').on('saml_events').columns(['alert_id', 'match_key']).unique().execute();
    await db.schema.createIndex('saml_events_time').on('saml_events').columns(['alert_id', 'event_time', 'n']).execute();

    await db.schema.createTable('cloudtrail_files').addColumn('path', 'text', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();

    await db.schema
      .createTable('mail_cursors')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('uid_validity', 'text', (c) => c.notNull())
      .addColumn('last_uid', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('mail_seen').addColumn('source', 'text', (c) => c.primaryKey()).addColumn('seen_at', 'text', (c) => c.notNull()).execute();

    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_ms', 'bigint', (c) => c.notNull())
      .addColumn('acquired_at', 'text', (c) => c.notNull())
      .addColumn('renewed_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const t of ['leases', 'mail_seen', 'mail_cursors', 'cloudtrail_files', 'saml_events', 'saml_windows', 'sta_alerts', 'events', 'event_streams', 'fetch_state', 'incidents']) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};
