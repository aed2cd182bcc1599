// Per-operation DataLoaders over the STA connector. STA has no batch endpoints, so batching here means: each
// distinct key is fetched once per operation (however many fields ask), keys that one upstream read can
// answer together are answered together (emails from one user listing, access logs from one scan), and the
// connector's Keyv caches carry answers across operations.
import DataLoader from 'dataloader';
import type { StaAccessLog, StaApplication, StaApplicationSummary, StaGroup, StaGroupMember, StaSession, StaUser } from '../../domain/sta.js';
import type { StaConnector } from './connector.js';

/** Which access logs a StaUser.accessLogs field asks for; users asking the same window are scanned together. */
export interface AccessLogKey {
  userName: string;
  since: Date | null;
  until: Date | null;
  first: number;
}

const windowOf = (k: AccessLogKey) => `${k.since?.toISOString() ?? ''}|${k.until?.toISOString() ?? ''}|${k.first}`;

/** Runs one call per key, in parallel; a failing key fails only its own field. */
function each<K, V>(fn: (key: K) => Promise<V>) {
  return async (keys: readonly K[]): Promise<Array<V | Error>> => {
    const settled = await Promise.allSettled(keys.map(fn));
    return settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason instanceof Error ? s.reason : new Error(String(s.reason))));
  };
}

export class StaLoaders {
  readonly userByName: DataLoader<string, StaUser | null>;
  /** Case-insensitive; every email of an operation is answered from one (cached) user listing. */
  readonly userByEmail: DataLoader<string, StaUser | null, string>;
  /** Keyed by user id. */
  readonly groupsOfUser: DataLoader<string, StaGroup[]>;
  readonly applicationsOfUser: DataLoader<string, StaApplicationSummary[]>;
  readonly sessionsOfUser: DataLoader<string, StaSession[]>;
  /** Keyed by group id. */
  readonly membersOfGroup: DataLoader<string, StaGroupMember[]>;
  readonly application: DataLoader<string, StaApplication | null>;
  readonly accessLogsOfUser: DataLoader<AccessLogKey, StaAccessLog[], string>;

  constructor(connector: StaConnector) {
    this.userByName = new DataLoader(each((name) => connector.getUser(name)));
    this.userByEmail = new DataLoader((emails) => connector.findUsersByEmail(emails), {
      cacheKeyFn: (e) => e.trim().toLowerCase(),
    });
    this.groupsOfUser = new DataLoader(each((id) => connector.listUserGroups(id)));
    this.applicationsOfUser = new DataLoader(each((id) => connector.listUserApplications(id)));
    this.sessionsOfUser = new DataLoader(each((id) => connector.listUserSessions(id)));
    this.membersOfGroup = new DataLoader(each((id) => connector.listGroupMembers(id)));
    this.application = new DataLoader(each((id) => connector.getApplication(id)));
    this.accessLogsOfUser = new DataLoader(
      async (keys) => {
        const windows = new Map<string, AccessLogKey[]>();
        for (const k of keys) windows.set(windowOf(k), [...(windows.get(windowOf(k)) ?? []), k]);
        const answers = new Map<AccessLogKey, StaAccessLog[] | Error>();
        await Promise.all(
          [...windows.values()].map(async (group) => {
            const { since, until, first } = group[0]!;
            try {
              const byUser = await connector.accessLogsByUser([...new Set(group.map((k) => k.userName))], since, until, first);
              for (const k of group) answers.set(k, byUser.get(k.userName) ?? []);
            } catch (error) {
              for (const k of group) answers.set(k, error as Error);
            }
          }),
        );
        return keys.map((k) => answers.get(k)!);
      },
      { cacheKeyFn: (k) => `${k.userName}|${windowOf(k)}` },
    );
  }
}
