// Who did something: an analyst signed in through the identity provider, an API key, the open gateway's
// anonymous caller, or the gateway itself (a background job). Every audited action, triage change, comment
// and delivery names one. Built from the request's Principal (src/auth.ts) or, for background work, the job.
import type { Principal } from '../auth.js';

export type ActorKind = 'USER' | 'API_KEY' | 'OPEN' | 'SYSTEM';

export interface Actor {
  kind: ActorKind;
  /** The token's `sub`, the key's label (or short hash), `open`, or the job's name for SYSTEM. */
  id: string;
  name: string | null;
  email: string | null;
}

export function actorOf(principal: Principal): Actor {
  return { kind: principal.kind, id: principal.id, name: principal.name, email: principal.email };
}

/** The gateway itself, acting in a background job (`incident-fetch`, `sta-playbook-timers`, ...). */
export function systemActor(job: string): Actor {
  return { kind: 'SYSTEM', id: job, name: null, email: null };
}
