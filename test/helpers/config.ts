// The ConfigError loadConfig throws for an environment (a test failure when it throws none).
import { ConfigError, loadConfig } from '../../src/config.js';

export function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}
