// Watches a local copy of a CloudTrail bucket (AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/…)
// and ingests each log file once. Digest and Insight files are other log types and are skipped. What was
// read is kept in the cloudtrail_files table, so a restart carries on with the new files only. Polling, not fs.watch:
// recursive watches are unreliable on Linux and on network mounts, and a poll also picks up what arrived
// while the gateway was down.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { NO_AUDIT, type AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { IngestSummary, SamlDetectionService } from '../detection/saml-detection-service.js';
import { systemActor } from '../identity/actor.js';
import type { Logger } from '../logger.js';
import type { FileMarks } from '../store/file-marks.js';
import { ingestCloudTrailStream } from './cloudtrail-stream.js';

/** A log file's path below the watched root. */
const LOG_FILE = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?[^/]+\/CloudTrail\/[^/]+\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.json(?:\.gz)?$/;
const SKIPPED_DIRS = new Set(['CloudTrail-Digest', 'CloudTrail-Insight']);
const SKIPPED_NAMES = /_CloudTrail-(?:Digest|Insight)_/;

export type { FileMark } from '../store/file-marks.js';

export interface FolderScan {
  filesRead: string[];
  summaries: IngestSummary[];
}

export interface FolderWatcherOptions {
  root: string;
  service: SamlDetectionService;
  /** Relative path → what reading it gave. */
  marks: FileMarks;
  pollIntervalMs: number;
  settleMs: number;
  maxRecordChars: number;
  /** A .json.gz inflating more than this many times its size is a bomb, recorded as refused; default 100. */
  maxGzipRatio?: number;
  /** Wall time to compare file modification times with (the filesystem's clock, not the event clock). */
  wallClock: Clock;
  logger: Logger;
  /** Whether this instance watches the folder now (its lease); absent: always. */
  isLeader?: () => boolean;
  /** Each file read is recorded as `ingest.cloudtrail` (SYSTEM cloudtrail-folder-watcher); default: nowhere. */
  audit?: AuditLog;
}

/** True for the paths of CloudTrail log files (not digests, not insights). */
export function isCloudTrailLogFile(relativePath: string): boolean {
  const p = relativePath.split(path.sep).join('/');
  return LOG_FILE.test(p) && !SKIPPED_NAMES.test(path.basename(p)) && !p.split('/').some((s) => SKIPPED_DIRS.has(s));
}

export class CloudTrailFolderWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<FolderScan> | null = null;
  private stopped = false;

  constructor(private readonly opts: FolderWatcherOptions) {}

  start(): void {
    const tick = () => {
      void (this.opts.isLeader && !this.opts.isLeader() ? Promise.resolve() : this.scanOnce())
        .catch((e: unknown) => this.opts.logger.error({ err: e, root: this.opts.root }, 'CloudTrail folder scan failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.pollIntervalMs).unref();
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over the tree; concurrent calls share the pass in progress. */
  scanOnce(): Promise<FolderScan> {
    this.running ??= this.scan().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async scan(): Promise<FolderScan> {
    const result: FolderScan = { filesRead: [], summaries: [] };
    for await (const rel of this.walk('')) {
      if (this.stopped) break;
      if (!isCloudTrailLogFile(rel) || (await this.opts.marks.has(rel))) continue;
      const full = path.join(this.opts.root, rel);
      const info = await stat(full).catch(() => null);
      if (!info?.isFile() || this.opts.wallClock.now() - info.mtimeMs < this.opts.settleMs) continue;
      const summary = await this.readFile(rel, full, info.size, info.mtimeMs);
      result.filesRead.push(rel);
      result.summaries.push(summary);
    }
    if (result.filesRead.length) {
      const total = (k: 'accepted' | 'rejected' | 'matched') => result.summaries.reduce((n, s) => n + s[k], 0);
      this.opts.logger.info(
        { root: this.opts.root, files: result.filesRead.length, accepted: total('accepted'), rejected: total('rejected'), matched: total('matched') },
        'CloudTrail files read',
      );
    }
    return result;
  }

  private async readFile(rel: string, full: string, size: number, mtimeMs: number): Promise<IngestSummary> {
    const audit = await (this.opts.audit ?? NO_AUDIT).begin({
      actor: systemActor('cloudtrail-folder-watcher'),
      action: 'ingest.cloudtrail',
      target: `cloudtrailFile:${rel.split(path.sep).join('/')}`,
      requestId: null,
      details: { source: 'folder', bytes: size },
    });
    const session = this.opts.service.startIngest(`file:${rel}`);
    let error: string | null = null;
    try {
      await ingestCloudTrailStream(createReadStream(full), session, {
        gzip: 'auto',
        maxBytes: Number.MAX_SAFE_INTEGER,
        maxRecordChars: this.opts.maxRecordChars,
        maxGzipRatio: this.opts.maxGzipRatio,
      });
    } catch (e) {
      // A broken file is recorded with what it gave and not retried forever; its good records are kept.
      error = (e as Error).message;
      session.reject(error);
    }
    const summary = await session.finish();
    await this.opts.marks.set(rel, { size, mtimeMs, accepted: summary.accepted, rejected: summary.rejected, matched: summary.matched, error });
    const counts = { accepted: summary.accepted, rejected: summary.rejected, matched: summary.matched };
    await (error ? audit.failed('BAD_USER_INPUT', counts) : audit.succeeded(counts));
    const log = { file: rel, ...counts };
    if (error || summary.rejected) this.opts.logger.warn({ ...log, error, rejections: summary.rejections.slice(0, 5) }, 'CloudTrail file read with rejections');
    else this.opts.logger.debug(log, 'CloudTrail file read');
    return summary;
  }

  /** Relative paths of every file below root, in sorted order (dates sort chronologically). */
  private async *walk(rel: string): AsyncGenerator<string> {
    const entries = await readdir(path.join(this.opts.root, rel), { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const child = rel ? path.join(rel, e.name) : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) yield* this.walk(child);
      } else if (e.isFile()) {
        yield child;
      }
    }
  }
}
