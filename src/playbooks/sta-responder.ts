// What the two STA playbooks need from STA. The STA connector (Services.sta) implements it; every method is
// idempotent (adding a member who is already in the group succeeds), so a step can be retried after a crash
// or a timeout without knowing whether the first attempt reached STA.
export interface StaResponder {
  addUserToGroup(userName: string, groupName: string): Promise<void>;
  removeUserFromGroup(userName: string, groupName: string): Promise<void>;
  terminateUserSessions(userName: string): Promise<void>;
}
