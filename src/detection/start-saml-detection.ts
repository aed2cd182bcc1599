// Starts SAML detection for the composition root: the engine, and the folder watcher on CLOUDTRAIL_DIR, or,
// with no CLOUDTRAIL_DIR, on a generated sample tree under SECGRAPH_DATA_DIR (the sandbox). The sandbox's
// tree is written, ingested and then watched by seedSandbox(), which the server runs once it listens:
// about a third of a second of start-up otherwise (issue 12); its detections appear just after.
import path from 'node:path';
import { NO_AUDIT, type AuditLog } from '../audit/audit-log.js';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { writeSampleCloudTrailTree } from '../emulators/cloudtrail/sample-tree.js';
import { CloudTrailFolderWatcher } from '../ingest/cloudtrail-folder-watcher.js';
import type { Logger } from '../logger.js';
import type { GatewayPubSub } from '../pubsub.js';
import type { Database } from '../store/database.js';
import { FileMarks } from '../store/file-marks.js';
import type { SamlAlertSync } from '../store/saml-alerts.js';
import { LeaseKeeper, type LeaseHolder } from '../store/leases.js';
import { samlRuleSpec } from './rule-spec.js';
import { SamlDetectionService } from './saml-detection-service.js';

export interface RunningSamlDetection {
  service: SamlDetectionService;
  watcher: CloudTrailFolderWatcher;
  sandbox: boolean;
  /**
   * In the sandbox: writes the generated tree, ingests it, then starts watching. Resolved at once otherwise
   * (the real folder is watched from start). Runs once however often it is called; not after close.
   */
  seedSandbox(): Promise<void>;
  close(): Promise<void>;
}

export async function startSamlDetection(
  config: Config,
  logger: Logger,
  clock: Clock,
  pubsub: GatewayPubSub,
  database: Database,
  lease: LeaseHolder,
  alerts?: SamlAlertSync,
  audit: AuditLog = NO_AUDIT,
): Promise<RunningSamlDetection> {
  const cfg = config.samlDetection;
  const service = new SamlDetectionService({ spec: samlRuleSpec(), database, pubsub, clock, logger, ignorePrincipals: cfg.ignorePrincipals, alerts });
  const sandbox = cfg.cloudtrailDir === null;
  const root = cfg.cloudtrailDir ?? path.join(config.dataDir, 'sandbox-cloudtrail');
  const marks = new FileMarks(database.db);
  // One instance watches the folder (the lease holder); another takes over from the stored file marks.
  const watcherLease = new LeaseKeeper(lease.leases, 'cloudtrail-folder-watcher');
  const watcher = new CloudTrailFolderWatcher({
    root,
    service,
    marks,
    pollIntervalMs: cfg.pollIntervalMs,
    // The sandbox's files are written whole before the scan.
    settleMs: sandbox ? 0 : cfg.settleMs,
    maxRecordChars: cfg.maxRecordChars,
    maxGzipRatio: cfg.maxGzipRatio,
    wallClock: systemClock,
    logger,
    isLeader: () => watcherLease.held,
    audit,
  });
  const watch = async () => {
    watcher.start();
    // An instance taking the folder over scans at once rather than at its next poll (scans never overlap).
    await lease(watcherLease, {
      onAcquired: () => {
        void watcher.scanOnce().catch((e: unknown) => logger.error({ err: e, root }, 'CloudTrail folder scan failed'));
      },
    });
  };
  let closed = false;
  let seeded: Promise<void> | null = null;
  if (!sandbox) {
    await watch();
    seeded = Promise.resolve();
  }
  const seedSandbox = () =>
    (seeded ??= closed
      ? Promise.resolve()
      : (async () => {
          const tree = await writeSampleCloudTrailTree(root);
          logger.warn({ root, files: tree.files.length, records: tree.records }, 'CLOUDTRAIL_DIR is not set: detecting on a SANDBOX CloudTrail tree of generated events');
          // Watching starts after the first scan, so no scan of a half-written tree can come first.
          if (!closed) await watcher.scanOnce();
          if (!closed) await watch();
        })());
  return {
    service,
    watcher,
    sandbox,
    seedSandbox,
    close: async () => {
      closed = true;
      await seeded?.catch(() => undefined);
      await watcher.stop();
      service.close();
    },
  };
}
