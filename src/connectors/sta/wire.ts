// The SafeNet Trusted Access REST API's JSON, exactly as it travels. Field names are the API's own.
// Source: ../shared/specs/safenet-sta.md §2.

/** Every list endpoint but sessions answers with this envelope (§2.1). */
export interface WirePage<T> {
  page: {
    items: T[];
    totalItems?: number;
    pageSize?: number;
    totalPages?: number;
    pageIndex?: number;
    /** Logs only: the resume marker the event collector stores. */
    pageMarker?: number;
  };
  links?: {
    self?: string;
    first?: string;
    /** Absolute URL of the next page; absent on the last page. */
    next?: string;
    [name: string]: string | undefined;
  };
  itemType?: string;
}

export interface WireUser {
  id: string;
  schemaVersionNumber?: string;
  userName: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  mobileNumber?: string | null;
  alias1?: string | null;
  alias2?: string | null;
  alias3?: string | null;
  alias4?: string | null;
  custom1?: string | null;
  custom2?: string | null;
  custom3?: string | null;
  address?: string | null;
  city?: string | null;
  state?: string | null;
  country?: string | null;
  postalCode?: string | null;
  isSynchronized?: boolean | string | null;
}

/** `POST /users`: all sixteen keys, unsupplied ones as null (as the reference sends them). */
export interface WireUserCreate {
  userName: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  mobileNumber: string | null;
  alias1: string | null;
  alias2: string | null;
  custom1: string | null;
  custom2: string | null;
  custom3: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  postalCode: string | null;
  isSynchronized: boolean | null;
}

export const WIRE_USER_CREATE_KEYS = [
  'userName',
  'firstName',
  'lastName',
  'email',
  'mobileNumber',
  'alias1',
  'alias2',
  'custom1',
  'custom2',
  'custom3',
  'address',
  'city',
  'state',
  'country',
  'postalCode',
  'isSynchronized',
] as const satisfies ReadonlyArray<keyof WireUserCreate>;

/** `PATCH /users/{userName}`: only the changed fields. */
export const WIRE_USER_UPDATE_KEYS = [
  'userName',
  'firstName',
  'lastName',
  'email',
  'mobileNumber',
  'alias1',
  'alias2',
  'address',
  'city',
  'state',
  'country',
  'postalCode',
] as const;
export type WireUserUpdate = Partial<Record<(typeof WIRE_USER_UPDATE_KEYS)[number], string>>;

export interface WireGroup {
  id: string;
  schemaVersionNumber?: string;
  name: string;
  description?: string | null;
  isSynchronized?: boolean | string | null;
}

/** `POST /groups` */
export interface WireGroupCreate {
  name: string;
  description: string | null;
  isSynchronized: boolean | null;
}

/** `PATCH /groups/{groupId}` */
export interface WireGroupUpdate {
  name?: string;
  description?: string;
}

export interface WireGroupMember {
  id: string;
  name: string;
  type: string;
  links?: { self?: string };
}

/** `POST /groups/{groupId}/members` */
export interface WireMemberAdd {
  id: string;
  type: 'User';
}

/** List items of `/applications` and `/users/{id}/applications`. */
export interface WireApplicationSummary {
  id: string;
  name: string;
  status?: string | null;
}

/** `GET /applications/{id}` */
export interface WireApplication extends WireApplicationSummary {
  applicationType?: string | null;
  templateName?: string | null;
  assignment?: { everyone?: boolean; groups?: string[] } | null;
  schemaVersionNumber?: string | null;
  lastModified?: string | null;
}

/** `GET /users/{id}/sessions`: NOT the page envelope. */
export interface WireSessions {
  sessions: WireSession[];
}

export interface WireSession {
  id: string;
  /** Epoch seconds (README) or milliseconds (the unit fixture); map.fromEpoch decides by magnitude. */
  start?: number | null;
  /** Epoch seconds. */
  expiry?: number | null;
  applications?: Array<{ id: string; name: string }> | null;
}

/** `GET /logs` items (the collector's mock shape plus the detail keys the integration reads). */
export interface WireLogItem {
  logVersion?: string;
  category?: string;
  timeStamp?: string;
  id?: string;
  context?: {
    tenantId?: string;
    originatingAddress?: string;
    principalId?: string;
    sessionId?: string;
    globalAccessId?: string;
    applicationType?: string;
    applicationName?: string;
    policyName?: string;
  };
  details?: {
    type?: string;
    state?: string;
    action?: string;
    actionText?: string;
    resultText?: string;
    credentialType?: string;
    credentials?: Array<{ type?: string }>;
    operationType?: string;
    operationObjectType?: string;
    operationObjectName?: string;
    message?: string;
    description?: string;
    serial?: string;
  };
}
