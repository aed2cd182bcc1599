// SafeNet Trusted Access domain types: what resolvers and the schema work with. The connector maps the
// STA REST API's JSON (connectors/sta/wire.ts) to these.

export interface StaUser {
  /** STA object id in base64 form (the client asks for `Object-Id-Format: base64`). */
  id: string;
  userName: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  mobileNumber: string | null;
  aliases: string[];
  custom1: string | null;
  custom2: string | null;
  custom3: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  postalCode: string | null;
  isSynchronized: boolean;
  schemaVersionNumber: string | null;
}

export interface StaGroup {
  /** Decimal digit string in every STA example. */
  id: string;
  name: string;
  description: string | null;
  isSynchronized: boolean;
  schemaVersionNumber: string | null;
}

export interface StaGroupMember {
  /** The member's user id. */
  id: string;
  /** The member's userName. */
  name: string;
  type: string;
}

export interface StaApplicationSummary {
  id: string;
  name: string;
  status: string | null;
}

export interface StaApplicationAssignment {
  everyone: boolean;
  /** Group names, when the application is assigned to groups rather than everyone. */
  groups: string[];
}

export interface StaApplication extends StaApplicationSummary {
  applicationType: string | null;
  templateName: string | null;
  assignment: StaApplicationAssignment | null;
  schemaVersionNumber: string | null;
  lastModified: Date | null;
}

export interface StaSession {
  id: string;
  start: Date | null;
  expiry: Date | null;
  applications: Array<{ id: string; name: string }>;
}

export interface StaAccessLog {
  id: string | null;
  timeStamp: Date | null;
  /** context.principalId; null for events with no principal (the reference drops those). */
  userName: string | null;
  logType: string | null;
  category: string | null;
  credentialType: string | null;
  actionText: string | null;
  resultText: string | null;
  message: string | null;
  applicationName: string | null;
  policyName: string | null;
  state: string | null;
  operationType: string | null;
  operationObjectType: string | null;
  operationObjectName: string | null;
  serial: string | null;
  ip: string | null;
}

export interface StaAccessLogQuery {
  userName?: string | null;
  /** Keep events without a principal (the reference drops them); ignored with userName. */
  includeAnonymous?: boolean | null;
  since?: Date | null;
  until?: Date | null;
}

/** Fields of a new user; the four the reference requires plus the optional ones. */
export interface StaUserCreate {
  userName: string;
  firstName: string;
  lastName: string;
  email: string;
  mobileNumber?: string | null;
  alias1?: string | null;
  alias2?: string | null;
  custom1?: string | null;
  custom2?: string | null;
  custom3?: string | null;
  address?: string | null;
  city?: string | null;
  state?: string | null;
  country?: string | null;
  postalCode?: string | null;
  isSynchronized?: boolean | null;
}

/** Fields the reference's update sends; only those given change. custom1–3 and isSynchronized cannot be updated. */
export interface StaUserUpdate {
  userName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  mobileNumber?: string | null;
  alias1?: string | null;
  alias2?: string | null;
  address?: string | null;
  city?: string | null;
  state?: string | null;
  country?: string | null;
  postalCode?: string | null;
}

export interface StaGroupCreate {
  name: string;
  description?: string | null;
  isSynchronized?: boolean | null;
}

export interface StaGroupUpdate {
  name?: string | null;
  description?: string | null;
}
