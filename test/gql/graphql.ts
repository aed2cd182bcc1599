/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** The only categories the SaaS Security API accepts when closing. */
export type CloseCategory =
  | 'BUSINESS_JUSTIFIED'
  | 'MISIDENTIFIED'
  | 'NO_REASON';

export type IncidentFilter = {
  appIds?: Array<string> | null | undefined;
  /** updated_at ≥ from */
  from?: unknown;
  /** SaaS Security tenants (instance names); every tenant without it. */
  instances?: Array<string> | null | undefined;
  severities?: Array<Severity> | null | undefined;
  /** Omit for both states. */
  state?: IncidentState | null | undefined;
  statuses?: Array<IncidentStatus> | null | undefined;
  /** updated_at ≤ to */
  to?: unknown;
};

export type IncidentState =
  | 'CLOSED'
  | 'OPEN';

/** The nine human statuses of the reference integration (NEW = open-new, …, DISMISS = closed-dismiss). */
export type IncidentStatus =
  | 'ASSIGNED'
  | 'BUSINESS_JUSTIFIED'
  | 'DISMISS'
  | 'IN_PROGRESS'
  | 'IN_THE_CLOUD'
  | 'MISIDENTIFIED'
  | 'NEW'
  | 'NO_REASON'
  | 'PENDING';

/** REMOVE_PUBLIC_SHARING (Office 365, Dropbox, Box, Google Drive only), QUARANTINE, RESTORE. */
export type RemediationType =
  | 'QUARANTINE'
  | 'REMOVE_PUBLIC_SHARING'
  | 'RESTORE';

/** Normalised severity. The API filter values 1..5 map to INFORMATIONAL..CRITICAL. */
export type Severity =
  | 'CRITICAL'
  | 'HIGH'
  | 'INFORMATIONAL'
  | 'LOW'
  | 'MEDIUM';

export type IncidentPageQueryVariables = Exact<{
  filter?: IncidentFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type IncidentPageQuery = { incidents: { edges: Array<{ cursor: string, node: { id: string, incidentId: number, state: IncidentState | null, status: string | null, statusName: IncidentStatus | null, severity: Severity | null, severityRaw: string | null, category: string | null, assetName: string | null, assetOwnerEmail: string | null, updatedAt: unknown, app: { appName: string, appType: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type IncidentByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type IncidentByIdQuery = { incident: { id: string, incidentId: number, tenant: string | null, appId: string | null, appName: string | null, appType: string | null, cloudId: string | null, assetId: string | null, assetName: string | null, assetSha256: string | null, assetPageUri: string | null, assetCloudUri: string | null, assetOwnerId: string | null, assetOwnerName: string | null, assetOwnerEmail: string | null, exposureType: number | null, exposureLevel: string | null, policyId: string | null, policyName: string | null, policyVersion: number | null, policyPageUri: string | null, severity: Severity | null, severityRaw: string | null, status: string | null, statusName: IncidentStatus | null, state: IncidentState | null, category: string | null, resolvedBy: string | null, resolutionDate: unknown, createdAt: unknown, updatedAt: unknown, groupIds: unknown, collaborators: unknown, dataPatterns: unknown } | null };

export type CloseIncidentMutationVariables = Exact<{
  id: string | number;
  category: CloseCategory;
}>;


export type CloseIncidentMutation = { closeIncident: { incidentId: number, state: IncidentState | null, status: string | null, category: string | null, resolvedBy: string | null, resolutionDate: unknown } };

export type AppsQueryVariables = Exact<{ [key: string]: never; }>;


export type AppsQuery = { apps: Array<{ id: string, appId: string, appName: string, appType: string }> };

export type RemediationStatusQueryVariables = Exact<{
  assetId: string | number;
  type: RemediationType;
}>;


export type RemediationStatusQuery = { remediationStatus: { assetId: string, assetName: string | null, remediationType: RemediationType | null, actionTaker: string | null, actionDate: unknown, status: string } | null };

export type RemediateAssetMutationVariables = Exact<{
  assetId: string | number;
  type: RemediationType;
  removeInheritedSharing?: boolean | null | undefined;
}>;


export type RemediateAssetMutation = { remediateAsset: { assetId: string, remediationType: RemediationType | null, status: string } };


export const IncidentPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"IncidentPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"IncidentFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"incidentId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusName"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"severityRaw"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"assetName"}},{"kind":"Field","name":{"kind":"Name","value":"assetOwnerEmail"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"app"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appName"}},{"kind":"Field","name":{"kind":"Name","value":"appType"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<IncidentPageQuery, IncidentPageQueryVariables>;
export const IncidentByIdDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"IncidentById"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incident"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"incidentId"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"}},{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"appName"}},{"kind":"Field","name":{"kind":"Name","value":"appType"}},{"kind":"Field","name":{"kind":"Name","value":"cloudId"}},{"kind":"Field","name":{"kind":"Name","value":"assetId"}},{"kind":"Field","name":{"kind":"Name","value":"assetName"}},{"kind":"Field","name":{"kind":"Name","value":"assetSha256"}},{"kind":"Field","name":{"kind":"Name","value":"assetPageUri"}},{"kind":"Field","name":{"kind":"Name","value":"assetCloudUri"}},{"kind":"Field","name":{"kind":"Name","value":"assetOwnerId"}},{"kind":"Field","name":{"kind":"Name","value":"assetOwnerName"}},{"kind":"Field","name":{"kind":"Name","value":"assetOwnerEmail"}},{"kind":"Field","name":{"kind":"Name","value":"exposureType"}},{"kind":"Field","name":{"kind":"Name","value":"exposureLevel"}},{"kind":"Field","name":{"kind":"Name","value":"policyId"}},{"kind":"Field","name":{"kind":"Name","value":"policyName"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}},{"kind":"Field","name":{"kind":"Name","value":"policyPageUri"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"severityRaw"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusName"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolutionDate"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"groupIds"}},{"kind":"Field","name":{"kind":"Name","value":"collaborators"}},{"kind":"Field","name":{"kind":"Name","value":"dataPatterns"}}]}}]}}]} as unknown as DocumentNode<IncidentByIdQuery, IncidentByIdQueryVariables>;
export const CloseIncidentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CloseIncident"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"category"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CloseCategory"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"closeIncident"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"category"},"value":{"kind":"Variable","name":{"kind":"Name","value":"category"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolutionDate"}}]}}]}}]} as unknown as DocumentNode<CloseIncidentMutation, CloseIncidentMutationVariables>;
export const AppsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Apps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"appName"}},{"kind":"Field","name":{"kind":"Name","value":"appType"}}]}}]}}]} as unknown as DocumentNode<AppsQuery, AppsQueryVariables>;
export const RemediationStatusDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RemediationStatus"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"assetId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RemediationType"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"remediationStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"assetId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"assetId"}}},{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"assetId"}},{"kind":"Field","name":{"kind":"Name","value":"assetName"}},{"kind":"Field","name":{"kind":"Name","value":"remediationType"}},{"kind":"Field","name":{"kind":"Name","value":"actionTaker"}},{"kind":"Field","name":{"kind":"Name","value":"actionDate"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<RemediationStatusQuery, RemediationStatusQueryVariables>;
export const RemediateAssetDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RemediateAsset"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"assetId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RemediationType"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"removeInheritedSharing"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"remediateAsset"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"assetId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"assetId"}}},{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}},{"kind":"Argument","name":{"kind":"Name","value":"removeInheritedSharing"},"value":{"kind":"Variable","name":{"kind":"Name","value":"removeInheritedSharing"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"assetId"}},{"kind":"Field","name":{"kind":"Name","value":"remediationType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<RemediateAssetMutation, RemediateAssetMutationVariables>;