// `npm run db:migrate`: brings the configured database (SECGRAPH_DATA_DIR's SQLite file, or DATABASE_URL) to
// the latest schema and says what it ran. The gateway also migrates at start; this is for doing it ahead.
import { loadConfig } from '../config.js';
import { openDatabase } from './database.js';

try {
  const config = loadConfig();
  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  console.log(database.migrated.length ? `${database.location}: ran ${database.migrated.join(', ')}` : `${database.location}: the schema is current`);
  await database.close();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
