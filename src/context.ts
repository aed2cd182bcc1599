// The per-operation context and the long-lived services it carries. One fresh Context per HTTP request or
// per WebSocket operation: Pothos's dataloader caches are keyed on its identity.
import type { AuditLog } from './audit/audit-log.js';
import type { AuthResult, Principal } from './auth.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { SaasSecurityConnector } from './connectors/saas-security/connector.js';
import type { SaasInstances } from './connectors/saas-security/instances.js';
import type { StaConnector } from './connectors/sta/connector.js';
import type { StaInstances } from './connectors/sta/instances.js';
import type { AlertDestinations } from './destinations/alert-destinations.js';
import type { SamlDetectionService } from './detection/saml-detection-service.js';
import type { IncidentSync } from './fetch/incident-sync.js';
import { lazyChild, type Logger } from './logger.js';
import type { GatewayMetrics } from './observability/metrics.js';
import type { StaPlaybookRunner } from './playbooks/sta-playbook-runner.js';
import type { GatewayPubSub } from './pubsub.js';
import type { AuditEntries } from './store/audit-entries.js';
import type { CursorSigner } from './security/cursor-signer.js';
import type { Leases } from './store/leases.js';
import type { Authenticator } from './identity/authenticator.js';
import type { TrustedDocuments } from './trusted-documents/trusted-documents.js';
import type { RemediationUpdates } from './subscriptions/remediation-updates.js';
import type { AlertIndex } from './triage/alert-index.js';

/** Built once at start and shared by every operation. */
export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  pubsub: GatewayPubSub;
  /** The default (first) SaaS Security tenant's connector. Null when not configured (never the case today: no configuration means sandbox). */
  saasSecurity: SaasSecurityConnector | null;
  /** Every SaaS Security tenant by instance name, each with its connector, fetch and remediation pollers (the first is `saasSecurity`); null when `saasSecurity` is. */
  saasInstances: SaasInstances | null;
  /** SafeNet Trusted Access; null when not configured (never the case today: no configuration means sandbox). */
  sta: StaConnector | null;
  /** Every configured STA tenant by instance name (the first is `sta`); null when `sta` is. */
  staInstances: StaInstances | null;
  /** AWS.Suspicious.SAML.Activity over CloudTrail: always running (on a sample tree when unconfigured). */
  samlDetection: SamlDetectionService | null;
  /** STA alerts from the mailbox and their playbook runs (always on: the store lives under SECGRAPH_DATA_DIR). */
  staAlerts: StaPlaybookRunner;
  /** Remediation status pollers behind Subscription.remediationUpdates; null without SaaS Security. */
  remediationUpdates: RemediationUpdates | null;
  /** The default tenant's fetching, mirroring and store of fetched incidents (its event log holds every tenant's events); null when SaaS Security is not configured. */
  incidentSync: IncidentSync | null;
  /** Which upstreams are the built-in sandboxes, for labelling responses and logs. */
  sandboxes: readonly string[];
  /** This instance's id and the background-job leases of the deployment. */
  leases: Leases;
  /** The gateway's Prometheus registry and the counters connectors report to. */
  metrics: GatewayMetrics;
  /** The append-only audit log every action is recorded in (src/audit/). */
  audit: AuditLog;
  /** The stored trail Query.auditLog, auditEvents and /audit.jsonl read; null in harnesses without one. */
  auditTrail: AuditEntries | null;
  /** Where alerts are sent, through the outbox (src/destinations/). */
  destinations: AlertDestinations;
  /** The one alert queue across the sources: its index, triage records and live updates (src/triage/). */
  triage: AlertIndex;
  /** API keys and the identity provider's tokens, for every transport (src/identity/). */
  authenticator: Authenticator;
  /** The documents clients may name by id, and that SECGRAPH_ARBITRARY_DOCUMENTS lets through (src/trusted-documents/). */
  trustedDocuments: TrustedDocuments;
  /** Signs every connection cursor handed out and verifies every one handed back, with the deployment's key (src/security/). */
  cursors: CursorSigner;
}

export interface Context {
  services: Services;
  principal: Principal | null;
  /** Why there is no principal: no credentials or wrong ones. */
  authFailure: 'missing' | 'invalid' | null;
  /** What UNAUTHENTICATED says: why the credentials were refused (never the credential). */
  authMessage: string | null;
  logger: Logger;
  requestId: string;
  /** The client's IP address (null in-process), for throttling failed authentication. */
  clientAddress: string | null;
  /** When the caller's token stops being accepted (epoch ms); null for keys. Subscriptions end then (src/identity/credential-expiry.ts). */
  credentialExpiresAt: number | null;
}

export function createContext(services: Services, auth: AuthResult, requestId: string, clientAddress: string | null = null): Context {
  return {
    services,
    principal: auth.principal,
    authFailure: auth.principal ? null : auth.reason,
    authMessage: auth.principal ? null : auth.message,
    requestId,
    clientAddress,
    credentialExpiresAt: (auth.principal && auth.expiresAt) || null,
    logger: lazyChild(services.logger, { requestId, principal: auth.principal?.id ?? null }),
  };
}
