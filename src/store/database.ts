// Opens the gateway's database: SQLite (one WAL-mode file under SECGRAPH_DATA_DIR, no server) by default,
// PostgreSQL when DATABASE_URL is set. Above this module nothing knows which: the table modules beside it
// use one Kysely query builder over both. Opening migrates to the latest schema; a database migrated by a
// newer secgraph is refused rather than written with an older idea of its tables.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationResultSet } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';
import type { Tables } from './tables.js';

export const SQLITE_FILE = 'secgraph.sqlite';
const MIGRATION_TABLE = 'secgraph_migration';
const MIGRATION_LOCK_TABLE = 'secgraph_migration_lock';

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<Tables>;
  engine: Engine;
  /** The SQLite file, or the PostgreSQL URL without its password: for logs. */
  location: string;
  /** Migrations this open ran (empty when the schema was already current). */
  migrated: string[];
  close(): Promise<void>;
}

export interface DatabaseOptions {
  dataDir: string;
  /** postgres://… ; null or absent: SQLite under dataDir. */
  databaseUrl?: string | null;
  /** Run pending migrations (the default). Off: refuse to start unless the schema is already current. */
  migrate?: boolean;
}

export class SchemaError extends Error {}

/** The URL with any password replaced, for log lines and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const database = opts.databaseUrl ? await openPostgres(opts.databaseUrl) : openSqlite(opts.dataDir);
  try {
    await checkNotNewer(database);
    if (opts.migrate !== false) database.migrated = (await migrateToLatest(database)).results?.map((r) => r.migrationName) ?? [];
    else await checkCurrent(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function openSqlite(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SQLITE_FILE);
  const sqlite = new BetterSqlite3(file);
  // WAL: readers never block the writer. NORMAL is durable against a killed process (kill -9): a committed
  // transaction is in the WAL file when commit returns; only a power cut can take the last commits.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // Another process on the same file (a CLI, a test reading the file) waits instead of failing.
  sqlite.pragma('busy_timeout = 10000');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, engine: 'sqlite', location: file, migrated: [], close: () => db.destroy() };
}

// pg is loaded here, not at the top: a gateway on SQLite never loads the PostgreSQL driver (start-up time).
async function openPostgres(url: string): Promise<Database> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // int8 columns (ids, epoch milliseconds) come back as numbers: every value stored stays below 2^53.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgres', location: redactUrl(url), migrated: [], close: () => db.destroy() };
}

function migrator(database: Database): Migrator {
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

/** Names of the migrations this database has run (none for a new database). */
async function executedMigrations(database: Database): Promise<string[]> {
  const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === MIGRATION_TABLE)) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(database.db);
  return rows.rows.map((r) => r.name);
}

async function checkNotNewer(database: Database): Promise<void> {
  const known = new Set(Object.keys(MIGRATIONS));
  const unknown = (await executedMigrations(database)).filter((n) => !known.has(n));
  if (unknown.length) {
    throw new SchemaError(
      `The database at ${database.location} has a newer schema than this secgraph knows (it has run migration ` +
        `${unknown.join(', ')}; this build knows up to ${Object.keys(MIGRATIONS).sort().at(-1)}). ` +
        'Start the newer secgraph version, or point SECGRAPH_DATA_DIR / DATABASE_URL at another database.',
    );
  }
}

async function checkCurrent(database: Database): Promise<void> {
  const done = new Set(await executedMigrations(database));
  const pending = Object.keys(MIGRATIONS).filter((n) => !done.has(n));
  if (pending.length) throw new SchemaError(`The database at ${database.location} needs migrations ${pending.join(', ')}: run npm run db:migrate`);
}

/** Runs every pending migration; several instances starting at once take the migration lock in turn. */
export async function migrateToLatest(database: Database): Promise<MigrationResultSet> {
  const result = await migrator(database).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new SchemaError(`Migrating the database at ${database.location} failed${failed ? ` in ${failed}` : ''}: ${String((result.error as Error).message ?? result.error)}`);
  }
  return result;
}

/** Moves the schema to just after `migrationName`, running `down` past it (a rollback) or `up` to it. */
export async function migrateTo(database: Database, migrationName: string): Promise<MigrationResultSet> {
  const result = await migrator(database).migrateTo(migrationName);
  if (result.error) throw new SchemaError(`Migrating the database at ${database.location} to ${migrationName} failed: ${String((result.error as Error).message ?? result.error)}`);
  return result;
}
