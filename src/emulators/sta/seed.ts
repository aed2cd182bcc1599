// Generated sandbox data for the STA emulator: the shared sandbox people as users (so SaaS Security incident
// owners are found in STA), a group per department plus "All Staff" and the unusual-activity group,
// applications assigned to everyone or to groups, a few live SSO sessions, and a week of access logs.
import type { WireApplication, WireGroup, WireLogItem, WireSession, WireUser } from '../../connectors/sta/wire.js';
import { SeededRandom } from '../random.js';
import { SANDBOX_PEOPLE } from '../sandbox-people.js';

export const STA_SANDBOX_TENANT = 'SECGRAPHSBX';
export const ALL_STAFF_GROUP = 'All Staff';
/** First group id: the fixtures' ids are decimal strings from 50331649. */
export const FIRST_GROUP_ID = 50331649;

export interface StaSeed {
  users: WireUser[];
  groups: WireGroup[];
  /** Group id → member user ids. */
  members: Map<string, string[]>;
  applications: WireApplication[];
  sessions: Map<string, WireSession[]>;
  logs: WireLogItem[];
}

/** A 24-character base64 object id, as STA returns with `Object-Id-Format: base64` (may contain + and /). */
export function base64Id(rnd: SeededRandom): string {
  const bytes = Buffer.alloc(18);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rnd.int(0, 255);
  return bytes.toString('base64');
}

export function uuid(rnd: SeededRandom): string {
  const h = rnd.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const APPS: Array<{ name: string; type: string; groups: string[] | 'everyone' }> = [
  { name: 'Salesforce', type: 'Saml', groups: 'everyone' },
  { name: 'Office 365', type: 'Saml', groups: 'everyone' },
  { name: 'Box', type: 'Saml', groups: ['Finance', 'Legal'] },
  { name: 'GitHub Enterprise', type: 'Saml', groups: ['Engineering'] },
  { name: 'AWS Console', type: 'Saml', groups: ['Engineering', 'IT', 'Security'] },
  { name: 'Workday', type: 'Oidc', groups: ['HR', 'Finance'] },
];

const CREDENTIALS = ['MobilePASS', 'Push OTP', 'Password', 'GrIDsure'];
const RESULTS: Array<[string, string, string]> = [
  ['AUTH_SUCCESS', 'Accepted', 'Login succeeded.'],
  ['AUTH_SUCCESS', 'Accepted', 'Login succeeded.'],
  ['AUTH_SUCCESS', 'Accepted', 'Login succeeded.'],
  ['CHALLENGE', '', 'Login from STA Console.'],
  ['AUTH_FAILED', 'Rejected', 'Push notification rejected by the user.'],
];

export function generateStaSeed(now: number, unusualActivityGroup: string, seed = 4242): StaSeed {
  const rnd = new SeededRandom(seed);
  const users: WireUser[] = SANDBOX_PEOPLE.map((p) => ({
    id: base64Id(rnd),
    schemaVersionNumber: '1.0',
    userName: p.userName,
    firstName: p.firstName,
    lastName: p.lastName,
    email: p.email,
    custom1: p.department,
    isSynchronized: false,
  }));
  const departments = [...new Set(SANDBOX_PEOPLE.map((p) => p.department))];
  const groupNames = [ALL_STAFF_GROUP, ...departments, unusualActivityGroup];
  const groups: WireGroup[] = groupNames.map((name, i) => ({
    id: String(FIRST_GROUP_ID + i),
    schemaVersionNumber: '1.0',
    name,
    description:
      name === unusualActivityGroup
        ? 'Users under a stricter access policy after unusual activity (push rejections).'
        : name === ALL_STAFF_GROUP
          ? 'Everyone in the organisation.'
          : `The ${name} department.`,
    isSynchronized: false,
  }));
  const groupId = new Map(groups.map((g) => [g.name, g.id]));
  const members = new Map<string, string[]>(groups.map((g) => [g.id, []]));
  SANDBOX_PEOPLE.forEach((p, i) => {
    const id = users[i]!.id;
    members.get(groupId.get(ALL_STAFF_GROUP)!)!.push(id);
    members.get(groupId.get(p.department)!)!.push(id);
  });

  const applications: WireApplication[] = APPS.map((a) => ({
    id: uuid(rnd),
    name: a.name,
    status: 'Active',
    applicationType: a.type,
    templateName: a.name,
    assignment: a.groups === 'everyone' ? { everyone: true } : { groups: a.groups },
    schemaVersionNumber: '1.0',
    lastModified: new Date(now - rnd.int(30, 300) * 86_400_000).toISOString(),
  }));
  const appsOf = (department: string) =>
    applications.filter((a) => a.assignment?.everyone || a.assignment?.groups?.includes(department));

  const sessions = new Map<string, WireSession[]>();
  SANDBOX_PEOPLE.forEach((p, i) => {
    const count = rnd.int(0, 2);
    const list: WireSession[] = [];
    for (let s = 0; s < count; s++) {
      const start = Math.floor(now / 1000) - rnd.int(60, 6 * 3600);
      const apps = appsOf(p.department).filter(() => rnd.next() < 0.6);
      list.push({ id: uuid(rnd), start, expiry: start + 8 * 3600, applications: apps.map((a) => ({ id: a.id, name: a.name })) });
    }
    sessions.set(users[i]!.id, list);
  });

  const logs: WireLogItem[] = [];
  const week = 7 * 86_400_000;
  for (const p of SANDBOX_PEOPLE) {
    const apps = appsOf(p.department);
    for (let n = rnd.int(8, 16); n > 0; n--) {
      const [resultText, state, message] = rnd.pick(RESULTS);
      const app = rnd.pick(apps);
      logs.push({
        logVersion: '1.0',
        category: 'AUTHENTICATION',
        timeStamp: new Date(now - rnd.int(60_000, week)).toISOString(),
        id: uuid(rnd),
        context: {
          tenantId: STA_SANDBOX_TENANT,
          originatingAddress: `203.0.113.${rnd.int(1, 254)}`,
          principalId: p.userName,
          sessionId: uuid(rnd),
          applicationType: app.applicationType ?? 'Saml',
          applicationName: app.name,
          policyName: 'Global Policy',
        },
        details: {
          type: 'AUTHENTICATION',
          actionText: 'AUTH_ATTEMPT',
          resultText,
          state,
          credentialType: rnd.pick(CREDENTIALS),
          message,
          serial: rnd.digits(10),
        },
      });
    }
  }
  // Audit events with no principal: the reference drops them; the graph shows them with a null userName.
  for (let n = 0; n < 6; n++) {
    logs.push({
      logVersion: '1.0',
      category: 'AUDIT',
      timeStamp: new Date(now - rnd.int(60_000, week)).toISOString(),
      id: uuid(rnd),
      context: { tenantId: STA_SANDBOX_TENANT, originatingAddress: '198.51.100.7' },
      details: { type: 'ADMIN_OPERATION', operationType: 'UPDATE', operationObjectType: 'POLICY', operationObjectName: 'Global Policy', description: 'Policy updated by an operator.' },
    });
  }
  logs.sort((a, b) => Date.parse(a.timeStamp!) - Date.parse(b.timeStamp!));
  return { users, groups, members, applications, sessions, logs };
}
