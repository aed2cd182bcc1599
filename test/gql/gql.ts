/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Viewer {\n  gateway {\n    viewer {\n      open\n      kind\n      id\n      name\n      email\n      scopes\n    }\n  }\n}": typeof types.ViewerDocument,
    "query IncidentPage($filter: IncidentFilter, $first: Int, $after: String) {\n  incidents(filter: $filter, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        incidentId\n        state\n        status\n        statusName\n        severity\n        severityRaw\n        category\n        assetName\n        assetOwnerEmail\n        updatedAt\n        app {\n          appName\n          appType\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery IncidentById($id: ID!) {\n  incident(id: $id) {\n    id\n    incidentId\n    tenant\n    appId\n    appName\n    appType\n    cloudId\n    assetId\n    assetName\n    assetSha256\n    assetPageUri\n    assetCloudUri\n    assetOwnerId\n    assetOwnerName\n    assetOwnerEmail\n    exposureType\n    exposureLevel\n    policyId\n    policyName\n    policyVersion\n    policyPageUri\n    severity\n    severityRaw\n    status\n    statusName\n    state\n    category\n    resolvedBy\n    resolutionDate\n    createdAt\n    updatedAt\n    groupIds\n    collaborators\n    dataPatterns\n  }\n}\n\nmutation CloseIncident($id: ID!, $category: CloseCategory!) {\n  closeIncident(id: $id, category: $category) {\n    incidentId\n    state\n    status\n    category\n    resolvedBy\n    resolutionDate\n  }\n}\n\nquery Apps {\n  apps {\n    id\n    appId\n    appName\n    appType\n  }\n}\n\nquery RemediationStatus($assetId: ID!, $type: RemediationType!) {\n  remediationStatus(assetId: $assetId, type: $type) {\n    assetId\n    assetName\n    remediationType\n    actionTaker\n    actionDate\n    status\n  }\n}\n\nmutation RemediateAsset($assetId: ID!, $type: RemediationType!, $removeInheritedSharing: Boolean) {\n  remediateAsset(\n    assetId: $assetId\n    type: $type\n    removeInheritedSharing: $removeInheritedSharing\n  ) {\n    assetId\n    remediationType\n    status\n  }\n}": typeof types.IncidentPageDocument,
};
const documents: Documents = {
    "query Viewer {\n  gateway {\n    viewer {\n      open\n      kind\n      id\n      name\n      email\n      scopes\n    }\n  }\n}": types.ViewerDocument,
    "query IncidentPage($filter: IncidentFilter, $first: Int, $after: String) {\n  incidents(filter: $filter, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        incidentId\n        state\n        status\n        statusName\n        severity\n        severityRaw\n        category\n        assetName\n        assetOwnerEmail\n        updatedAt\n        app {\n          appName\n          appType\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery IncidentById($id: ID!) {\n  incident(id: $id) {\n    id\n    incidentId\n    tenant\n    appId\n    appName\n    appType\n    cloudId\n    assetId\n    assetName\n    assetSha256\n    assetPageUri\n    assetCloudUri\n    assetOwnerId\n    assetOwnerName\n    assetOwnerEmail\n    exposureType\n    exposureLevel\n    policyId\n    policyName\n    policyVersion\n    policyPageUri\n    severity\n    severityRaw\n    status\n    statusName\n    state\n    category\n    resolvedBy\n    resolutionDate\n    createdAt\n    updatedAt\n    groupIds\n    collaborators\n    dataPatterns\n  }\n}\n\nmutation CloseIncident($id: ID!, $category: CloseCategory!) {\n  closeIncident(id: $id, category: $category) {\n    incidentId\n    state\n    status\n    category\n    resolvedBy\n    resolutionDate\n  }\n}\n\nquery Apps {\n  apps {\n    id\n    appId\n    appName\n    appType\n  }\n}\n\nquery RemediationStatus($assetId: ID!, $type: RemediationType!) {\n  remediationStatus(assetId: $assetId, type: $type) {\n    assetId\n    assetName\n    remediationType\n    actionTaker\n    actionDate\n    status\n  }\n}\n\nmutation RemediateAsset($assetId: ID!, $type: RemediationType!, $removeInheritedSharing: Boolean) {\n  remediateAsset(\n    assetId: $assetId\n    type: $type\n    removeInheritedSharing: $removeInheritedSharing\n  ) {\n    assetId\n    remediationType\n    status\n  }\n}": types.IncidentPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer {\n  gateway {\n    viewer {\n      open\n      kind\n      id\n      name\n      email\n      scopes\n    }\n  }\n}"): (typeof documents)["query Viewer {\n  gateway {\n    viewer {\n      open\n      kind\n      id\n      name\n      email\n      scopes\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query IncidentPage($filter: IncidentFilter, $first: Int, $after: String) {\n  incidents(filter: $filter, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        incidentId\n        state\n        status\n        statusName\n        severity\n        severityRaw\n        category\n        assetName\n        assetOwnerEmail\n        updatedAt\n        app {\n          appName\n          appType\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery IncidentById($id: ID!) {\n  incident(id: $id) {\n    id\n    incidentId\n    tenant\n    appId\n    appName\n    appType\n    cloudId\n    assetId\n    assetName\n    assetSha256\n    assetPageUri\n    assetCloudUri\n    assetOwnerId\n    assetOwnerName\n    assetOwnerEmail\n    exposureType\n    exposureLevel\n    policyId\n    policyName\n    policyVersion\n    policyPageUri\n    severity\n    severityRaw\n    status\n    statusName\n    state\n    category\n    resolvedBy\n    resolutionDate\n    createdAt\n    updatedAt\n    groupIds\n    collaborators\n    dataPatterns\n  }\n}\n\nmutation CloseIncident($id: ID!, $category: CloseCategory!) {\n  closeIncident(id: $id, category: $category) {\n    incidentId\n    state\n    status\n    category\n    resolvedBy\n    resolutionDate\n  }\n}\n\nquery Apps {\n  apps {\n    id\n    appId\n    appName\n    appType\n  }\n}\n\nquery RemediationStatus($assetId: ID!, $type: RemediationType!) {\n  remediationStatus(assetId: $assetId, type: $type) {\n    assetId\n    assetName\n    remediationType\n    actionTaker\n    actionDate\n    status\n  }\n}\n\nmutation RemediateAsset($assetId: ID!, $type: RemediationType!, $removeInheritedSharing: Boolean) {\n  remediateAsset(\n    assetId: $assetId\n    type: $type\n    removeInheritedSharing: $removeInheritedSharing\n  ) {\n    assetId\n    remediationType\n    status\n  }\n}"): (typeof documents)["query IncidentPage($filter: IncidentFilter, $first: Int, $after: String) {\n  incidents(filter: $filter, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        incidentId\n        state\n        status\n        statusName\n        severity\n        severityRaw\n        category\n        assetName\n        assetOwnerEmail\n        updatedAt\n        app {\n          appName\n          appType\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery IncidentById($id: ID!) {\n  incident(id: $id) {\n    id\n    incidentId\n    tenant\n    appId\n    appName\n    appType\n    cloudId\n    assetId\n    assetName\n    assetSha256\n    assetPageUri\n    assetCloudUri\n    assetOwnerId\n    assetOwnerName\n    assetOwnerEmail\n    exposureType\n    exposureLevel\n    policyId\n    policyName\n    policyVersion\n    policyPageUri\n    severity\n    severityRaw\n    status\n    statusName\n    state\n    category\n    resolvedBy\n    resolutionDate\n    createdAt\n    updatedAt\n    groupIds\n    collaborators\n    dataPatterns\n  }\n}\n\nmutation CloseIncident($id: ID!, $category: CloseCategory!) {\n  closeIncident(id: $id, category: $category) {\n    incidentId\n    state\n    status\n    category\n    resolvedBy\n    resolutionDate\n  }\n}\n\nquery Apps {\n  apps {\n    id\n    appId\n    appName\n    appType\n  }\n}\n\nquery RemediationStatus($assetId: ID!, $type: RemediationType!) {\n  remediationStatus(assetId: $assetId, type: $type) {\n    assetId\n    assetName\n    remediationType\n    actionTaker\n    actionDate\n    status\n  }\n}\n\nmutation RemediateAsset($assetId: ID!, $type: RemediationType!, $removeInheritedSharing: Boolean) {\n  remediateAsset(\n    assetId: $assetId\n    type: $type\n    removeInheritedSharing: $removeInheritedSharing\n  ) {\n    assetId\n    remediationType\n    status\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;