// The STA object types' references, declared apart from their fields so sta-user.ts and sta-group.ts can
// point at each other's types without a module cycle.
import type { StaAccessLog, StaApplication, StaApplicationSummary, StaGroup, StaGroupMember, StaSession, StaUser } from '../domain/sta.js';
import type { StaMembership } from '../resolvers/sta-groups.js';
import { builder } from './builder.js';

export const StaUserRef = builder.objectRef<StaUser>('StaUser');
export const StaGroupRef = builder.objectRef<StaGroup>('StaGroup');
export const StaGroupMemberRef = builder.objectRef<StaGroupMember>('StaGroupMember');
export const StaApplicationRef = builder.objectRef<StaApplicationSummary | StaApplication>('StaApplication');
export const StaSessionRef = builder.objectRef<StaSession>('StaSession');
export const StaAccessLogRef = builder.objectRef<StaAccessLog>('StaAccessLog');
export const StaMembershipRef = builder.objectRef<StaMembership>('StaGroupMembership');
export const StaDeletionRef = builder.objectRef<{ id: string; name: string; deleted: true }>('StaDeletion');

StaDeletionRef.implement({
  description: 'What a delete removed (the reference answers {id, userName|groupName, Deleted: true}).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { description: 'The userName or group name.' }),
    deleted: t.exposeBoolean('deleted'),
  }),
});

/** The `instance` argument every STA root field takes. */
export const STA_INSTANCE_ARG =
  'The STA instance (tenant) to ask, by its configured name (SECGRAPH_CONFIG sta.instances); default: the first. Unknown: BAD_USER_INPUT.';
