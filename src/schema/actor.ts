// Who acted, as clients see it: on audit entries, triage changes, comments and deliveries.
import type { Actor } from '../identity/actor.js';
import { builder } from './builder.js';

export const ActorKindEnum = builder.enumType('ActorKind', {
  description: 'USER: an analyst signed in through the identity provider; API_KEY; OPEN: a caller of a gateway without keys; SYSTEM: the gateway itself (a background job).',
  values: ['USER', 'API_KEY', 'OPEN', 'SYSTEM'] as const,
});

export const ActorRef = builder.objectRef<Actor>('Actor').implement({
  description: 'Who did something.',
  fields: (t) => ({
    kind: t.field({ type: ActorKindEnum, resolve: (a) => a.kind }),
    id: t.exposeString('id', { description: "The token's `sub`, the API key's label (or short hash), `open`, or the background job's name." }),
    name: t.exposeString('name', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
  }),
});
