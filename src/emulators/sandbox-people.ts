// The people of the sandbox tenant. Both emulators draw on this list, so a SaaS Security incident's asset
// owner is also a user in the STA emulator and the cross-source join has someone to find.
export interface SandboxPerson {
  userName: string;
  firstName: string;
  lastName: string;
  email: string;
  department: string;
}

const NAMES: Array<[string, string, string]> = [
  ['Alice', 'Moreau', 'Finance'],
  ['Bilal', 'Haddad', 'Engineering'],
  ['Chen', 'Wei', 'Engineering'],
  ['Dana', 'Kowalski', 'Sales'],
  ['Emeka', 'Obi', 'Legal'],
  ['Fatima', 'Zahra', 'HR'],
  ['Gustavo', 'Pereira', 'Marketing'],
  ['Hana', 'Sato', 'Engineering'],
  ['Ivan', 'Petrov', 'IT'],
  ['Julia', 'Schmidt', 'Finance'],
  ['Kofi', 'Mensah', 'Support'],
  ['Lena', 'Lindqvist', 'Security'],
];

export const SANDBOX_EMAIL_DOMAIN = 'sandbox.secgraph.example';

export const SANDBOX_PEOPLE: readonly SandboxPerson[] = NAMES.map(([first, last, department]) => {
  const userName = `${first}.${last}`.toLowerCase();
  return { userName, firstName: first, lastName: last, email: `${userName}@${SANDBOX_EMAIL_DOMAIN}`, department };
});
