// A signed-in user's scopes: the roles or groups in the token's SECGRAPH_OIDC_ROLES_CLAIM (a dotted path:
// `groups`, `roles`, `realm_access.roles`), each mapped by SECGRAPH_OIDC_ROLE_SCOPES; `*` maps every user.
// A claim may be a list or one string (some providers send a single group as a string).
import type { OidcConfig, Scope } from '../config.js';

export function rolesIn(claims: Record<string, unknown>, path: readonly string[]): string[] {
  let v: unknown = claims;
  for (const segment of path) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return [];
    v = (v as Record<string, unknown>)[segment];
  }
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : [];
}

export function scopesOfRoles(claims: Record<string, unknown>, { rolesClaim, roleScopes }: Pick<OidcConfig, 'rolesClaim' | 'roleScopes'>): Set<Scope> {
  const scopes = new Set<Scope>(roleScopes.get('*') ?? []);
  for (const role of rolesIn(claims, rolesClaim)) for (const s of roleScopes.get(role) ?? []) scopes.add(s);
  return scopes;
}
