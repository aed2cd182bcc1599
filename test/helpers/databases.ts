// The two engines the store runs on, for tests that must pass on both: SQLite in a temp folder, and a
// database of its own on a throwaway PostgreSQL cluster (one cluster per test file, started on first use).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type EngineName = (typeof ENGINES)[number];

let cluster: Promise<TestPostgres> | null = null;
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (cluster) await (await cluster).stop();
  cluster = null;
});

/** The running cluster for this test file (started on first call). */
export function postgresCluster(): Promise<TestPostgres> {
  cluster ??= startPostgres();
  return cluster;
}

/** Where a database of `engine` lives: a data dir (always, for SQLite's file) and for PostgreSQL a URL. */
export async function databaseLocation(engine: EngineName): Promise<{ dataDir: string; databaseUrl: string | null }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `secgraph-${engine}-`));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const databaseUrl = engine === 'postgres' ? await (await postgresCluster()).freshDatabase() : null;
  return { dataDir, databaseUrl };
}

/** Opens a database at `where`; closed after the file's tests if the test did not close it. */
export async function open(where: { dataDir: string; databaseUrl: string | null }): Promise<Database> {
  const database = await openDatabase(where);
  let closed = false;
  const close = database.close;
  database.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  cleanups.push(() => database.close());
  return database;
}

/**
 * Two "instances" on one database: two handles (two connection pools) on PostgreSQL. SQLite is the
 * one-process engine: its instances are the callers sharing that process's one handle, so both are it.
 */
export async function openTwo(engine: EngineName, where: { dataDir: string; databaseUrl: string | null }): Promise<[Database, Database]> {
  const a = await open(where);
  return [a, engine === 'sqlite' ? a : await open(where)];
}
