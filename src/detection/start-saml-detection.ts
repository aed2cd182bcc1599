// Starts SAML detection for the composition root: the engine, and the folder watcher on CLOUDTRAIL_DIR, or,
// with no CLOUDTRAIL_DIR, on a generated sample tree under SECGRAPH_DATA_DIR (the sandbox). The sandbox's
// first scan completes before start returns, so the graph has detections from the first request.
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { writeSampleCloudTrailTree } from '../emulators/cloudtrail/sample-tree.js';
import { CloudTrailFolderWatcher } from '../ingest/cloudtrail-folder-watcher.js';
import type { Logger } from '../logger.js';
import type { GatewayPubSub } from '../pubsub.js';
import type { Database } from '../store/database.js';
import { FileMarks } from '../store/file-marks.js';
import { LeaseKeeper, type LeaseHolder } from '../store/leases.js';
import { samlRuleSpec } from './rule-spec.js';
import { SamlDetectionService } from './saml-detection-service.js';

export interface RunningSamlDetection {
  service: SamlDetectionService;
  watcher: CloudTrailFolderWatcher;
  sandbox: boolean;
  close(): Promise<void>;
}

export async function startSamlDetection(
  config: Config,
  logger: Logger,
  clock: Clock,
  pubsub: GatewayPubSub,
  database: Database,
  lease: LeaseHolder,
): Promise<RunningSamlDetection> {
  const cfg = config.samlDetection;
  const service = new SamlDetectionService({ spec: samlRuleSpec(), database, pubsub, clock, logger, ignorePrincipals: cfg.ignorePrincipals });
  const sandbox = cfg.cloudtrailDir === null;
  const root = cfg.cloudtrailDir ?? path.join(config.dataDir, 'sandbox-cloudtrail');
  if (sandbox) {
    const tree = writeSampleCloudTrailTree(root);
    logger.warn({ root, files: tree.files.length, records: tree.records }, 'CLOUDTRAIL_DIR is not set: detecting on a SANDBOX CloudTrail tree of generated events');
  }
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
    wallClock: systemClock,
    logger,
    isLeader: () => watcherLease.held,
  });
  if (sandbox) await watcher.scanOnce();
  watcher.start();
  // An instance taking the folder over scans at once rather than at its next poll (scans never overlap).
  await lease(watcherLease, {
    onAcquired: () => {
      void watcher.scanOnce().catch((e: unknown) => logger.error({ err: e, root }, 'CloudTrail folder scan failed'));
    },
  });
  return {
    service,
    watcher,
    sandbox,
    close: async () => {
      await watcher.stop();
      service.close();
    },
  };
}
