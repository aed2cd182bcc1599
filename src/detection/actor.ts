// Who acted, as a name an identity provider (STA) knows: the role-session name of an assumed role (SAML
// federation puts the user's login there), else the IAM / SAML / Identity Center user name.
import { deepGet, isObject, type JsonObject } from './panther-event.js';

export interface ActorName {
  name: string;
  source: 'roleSessionName' | 'userName';
}

export function actorNameOf(record: JsonObject): ActorName | null {
  const identity = record['userIdentity'];
  if (!isObject(identity)) return null;
  if (identity['type'] === 'AssumedRole') {
    const arn = identity['arn'];
    // arn:aws:sts::<acct>:assumed-role/<role>/<session>
    const fromArn = typeof arn === 'string' && /:assumed-role\/[^/]+\/(.+)$/.exec(arn)?.[1];
    const principal = identity['principalId'];
    const fromPrincipal = typeof principal === 'string' && principal.includes(':') ? principal.slice(principal.indexOf(':') + 1) : null;
    const session = fromArn || fromPrincipal;
    if (session) return { name: session, source: 'roleSessionName' };
  }
  const userName = identity['userName'] ?? deepGet(identity, ['onBehalfOf', 'userName']);
  return typeof userName === 'string' && userName ? { name: userName, source: 'userName' } : null;
}
