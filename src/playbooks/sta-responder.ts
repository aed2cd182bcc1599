// What the two STA playbooks need from STA. The STA connector (Services.sta) implements it. The actions are
// idempotent (adding a member who is already in the group succeeds), so a step can be retried after a crash
// or a timeout without knowing whether the first attempt reached STA; the reads have no side effects.
// Failures are typed GatewayErrors: NOT_FOUND / UPSTREAM_REJECTED end a run as FAILED (an analyst retries
// once STA is fixed), anything else is retried with backoff.
export interface StaResponder {
  /** `GET /authorized` (sta-validate-tenant): resolves when the tenant answers, throws otherwise. */
  validateTenant(): Promise<unknown>;
  /** The user (sta-get-user-info), or null when STA has no such user. */
  getUser(userName: string): Promise<{ userName: string } | null>;
  /** The group by exact name (sta-get-group-info), or null when there is none. */
  getGroup(groupName: string): Promise<{ name: string } | null>;
  /** sta-user-exist-group, reading every page of the user's groups. NOT_FOUND for an unknown user or group. */
  isUserInGroup(userName: string, groupName: string): Promise<boolean>;
  /** Whether the user has at least one SSO session (sta-get-user-sessions non-empty), read fresh. */
  hasActiveSessions(userName: string): Promise<boolean>;
  // What the three actions resolve to (the connector's: the user and group it acted on) is not used here.
  addUserToGroup(userName: string, groupName: string): Promise<unknown>;
  removeUserFromGroup(userName: string, groupName: string): Promise<unknown>;
  terminateUserSessions(userName: string): Promise<unknown>;
}
