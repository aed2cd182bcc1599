// `npm run test:container`: builds the image from the Dockerfile and checks it as a deployment would use it, with
// whichever engine this machine has: docker or podman (a daemon or service that answers), else buildah (no
// daemon: `buildah bud`, then `buildah run` of the image's command in a working container). Where none is, it
// says so and exits 0 ("skipped"): the image is checked where an engine exists, not on every `npm test`.
//
// Checks: the image runs as a non-root user with a /data volume and a healthcheck; without SECGRAPH_API_KEYS it
// refuses to start; with them /health and /ready answer, a query needs the key and answers with it, a comment
// on an alert (the respond scope) is recorded; SIGTERM ends it cleanly (exit 0, drained) within the drain
// timeout; started again on the same /data it still has that comment.
//
// Settings (environment): CONTAINER_ENGINE=docker|podman|buildah forces one; STORAGE_DRIVER (buildah, podman)
// is passed as --storage-driver; BUILDAH_ISOLATION (default chroot: no OCI runtime or user namespace needed);
// BUILDAH_LAYERS=true caches build steps (buildah's own variable); SECGRAPH_IMAGE (default
// localhost/secgraph:smoke) is the tag built and kept; SECGRAPH_SMOKE_BUILD=skip checks that image as it is.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Engine = 'docker' | 'podman' | 'buildah';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const image = process.env.SECGRAPH_IMAGE ?? 'localhost/secgraph:smoke';
/** server.ts's DRAIN_TIMEOUT_MS, plus the time to close the stores and exit. */
const DRAIN_TIMEOUT_MS = 10_000;
const EXIT_WITHIN_MS = DRAIN_TIMEOUT_MS + 5_000;
const READER = 'smoke-reader-key-0123456789';
const RESPONDER = 'smoke-responder-key-0123456789';
const API_KEYS = `${READER}=read,${RESPONDER}=read+respond`;
const run = `smoke-${process.pid}`;

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail?: unknown): void {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok    ' : 'FAILED'} ${name}${!ok && detail !== undefined ? `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
}

function exec(cmd: string, args: string[], opts: { timeoutMs?: number; quiet?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: String(out), err: String(err) });
    });
  });
}

/** A command whose output streams to this terminal (the build). */
function stream(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function detectEngine(): Promise<Engine | null> {
  const forced = process.env.CONTAINER_ENGINE as Engine | undefined;
  if (forced) return forced;
  // A docker client without a daemon (common on CI images and here) is no engine.
  if ((await exec('docker', ['info'], { timeoutMs: 20_000 })).code === 0) return 'docker';
  if ((await exec('podman', ['info'], { timeoutMs: 20_000 })).code === 0) return 'podman';
  if (process.platform === 'linux' && (await exec('buildah', ['--version'], { timeoutMs: 20_000 })).code === 0) return 'buildah';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One running gateway container, however the engine runs it. */
interface Running {
  baseUrl: string;
  /** Sends SIGTERM to the gateway process; resolves with its exit code, or null if it did not exit in `withinMs`. */
  terminate(withinMs: number): Promise<number | null>;
  logs(): Promise<string>;
  /** Kills what is left (after a failure). */
  kill(): Promise<void>;
}

interface EngineOps {
  build(): Promise<number>;
  /** The image's config: user, volumes, healthcheck, command. */
  inspect(): Promise<{ user: string; volumes: string[]; healthcheck: boolean; cmd: string[] }>;
  /** Starts the image's command with `env`, on the one /data volume this run uses. */
  start(env: Record<string, string>): Promise<Running>;
  /** Runs the image's command to its end (a start that must fail): exit code and output. */
  runToEnd(env: Record<string, string>): Promise<{ code: number; out: string }>;
  /** Runs `node -e script` in a container of the image (on the /data volume): what it prints. */
  nodeScript(script: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** docker and podman share their command line. */
function cliEngine(cli: 'docker' | 'podman'): EngineOps {
  const global = cli === 'podman' && process.env.STORAGE_DRIVER ? ['--storage-driver', process.env.STORAGE_DRIVER] : [];
  const volume = `${run}-data`;
  const containers: string[] = [];
  const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return {
    // podman writes OCI images by default, which have no HEALTHCHECK.
    build: () => stream(cli, [...global, 'build', ...(cli === 'podman' ? ['--format', 'docker'] : []), '-t', image, '.']),
    inspect: async () => {
      const { out } = await exec(cli, [...global, 'image', 'inspect', image]);
      const config = JSON.parse(out)[0].Config;
      return { user: config.User ?? '', volumes: Object.keys(config.Volumes ?? {}), healthcheck: Boolean(config.Healthcheck?.Test?.length), cmd: config.Cmd ?? [] };
    },
    start: async (env) => {
      const name = `${run}-${containers.length}`;
      containers.push(name);
      const started = await exec(cli, [...global, 'run', '-d', '--name', name, '-p', '127.0.0.1::4000', '-v', `${volume}:/data`, ...envArgs(env), image]);
      if (started.code !== 0) throw new Error(`${cli} run failed: ${started.err}`);
      const port = (await exec(cli, [...global, 'port', name, '4000'])).out.trim().split('\n')[0]!.split(':').pop();
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        terminate: async (withinMs) => {
          await exec(cli, [...global, 'kill', '--signal', 'SIGTERM', name]);
          const waited = await exec(cli, [...global, 'wait', name], { timeoutMs: withinMs });
          return waited.code === 0 ? Number(waited.out.trim()) : null;
        },
        logs: async () => {
          const l = await exec(cli, [...global, 'logs', name]);
          return l.out + l.err;
        },
        kill: async () => void (await exec(cli, [...global, 'rm', '-f', name])),
      };
    },
    runToEnd: async (env) => {
      const r = await exec(cli, [...global, 'run', '--rm', ...envArgs(env), image], { timeoutMs: 60_000 });
      return { code: r.code, out: r.out + r.err };
    },
    nodeScript: async (script) => (await exec(cli, [...global, 'run', '--rm', '-v', `${volume}:/data`, image, 'node', '-e', script])).out.trim(),
    cleanup: async () => {
      for (const c of containers) await exec(cli, [...global, 'rm', '-f', c]);
      await exec(cli, [...global, 'volume', 'rm', '-f', volume]);
    },
  };
}

/** Prints the /proc/self/mountinfo line of /data, if /data is a mount. */
const MOUNT_OF_DATA = "const l=require('fs').readFileSync('/proc/self/mountinfo','utf8').split('\\n').find(l=>l.split(' ')[4]==='/data');if(l)console.log(l)";
/** Prints the build tools found on the PATH (the build stage's; the runtime stage must have none). */
const BUILD_TOOLS = "const fs=require('fs');console.log(['g++','gcc','cc','c++','make','python3'].filter(t=>process.env.PATH.split(':').some(d=>fs.existsSync(d+'/'+t))).join(' '))";

/**
 * buildah has no daemon and no `run -d`: the image's command runs under `buildah run` in one working container
 * (so a restart keeps the container's /data volume, which buildah makes from the image's VOLUME), on the
 * host's network with chroot isolation, so it listens on a free loopback port. `buildah run` does not pass
 * SIGTERM on (it kills its child), so the signal goes to the gateway process itself.
 */
function buildahEngine(): EngineOps {
  const global = process.env.STORAGE_DRIVER ? ['--storage-driver', process.env.STORAGE_DRIVER] : [];
  const isolation = ['--isolation', process.env.BUILDAH_ISOLATION ?? 'chroot'];
  const container = `${run}-ctr`;
  let created = false;
  let cmd: string[] = [];
  const ensureContainer = async () => {
    if (created) return;
    const r = await exec('buildah', [...global, 'from', '--pull=never', '--name', container, image]);
    if (r.code !== 0) throw new Error(`buildah from failed: ${r.err}`);
    created = true;
  };
  const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const children: ChildProcess[] = [];
  return {
    // Docker format: OCI images have no HEALTHCHECK. No --layers unless BUILDAH_LAYERS=true (buildah reads it):
    // on vfs storage every cached step is a full copy of the filesystem, some 20 GB for this Dockerfile.
    build: () => stream('buildah', [...global, 'bud', ...isolation, '--format', 'docker', '-t', image, '.']),
    inspect: async () => {
      const { out } = await exec('buildah', [...global, 'inspect', '--type', 'image', image]);
      const info = JSON.parse(out);
      const config = info.Docker?.config ?? info.OCIv1.config;
      cmd = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
      return { user: config.User ?? '', volumes: Object.keys(config.Volumes ?? {}), healthcheck: Boolean(config.Healthcheck?.Test?.length), cmd };
    },
    start: async (env) => {
      await ensureContainer();
      const port = await freePort();
      let output = '';
      const child = spawn('buildah', [...global, 'run', ...isolation, ...envArgs({ ...env, HOST: '127.0.0.1', PORT: String(port) }), container, '--', ...cmd], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        terminate: async (withinMs) => {
          const pid = gatewayPid(child.pid!, cmd);
          if (pid === null) return null;
          process.kill(pid, 'SIGTERM');
          return Promise.race([exited, sleep(withinMs).then(() => null)]);
        },
        logs: async () => output,
        kill: async () => {
          const pid = gatewayPid(child.pid!, cmd);
          if (pid !== null) process.kill(pid, 'SIGKILL');
          child.kill('SIGKILL');
        },
      };
    },
    runToEnd: async (env) => {
      await ensureContainer();
      const r = await exec('buildah', [...global, 'run', ...isolation, ...envArgs(env), container, '--', ...cmd], { timeoutMs: 60_000 });
      return { code: r.code, out: r.out + r.err };
    },
    nodeScript: async (script) => {
      await ensureContainer();
      return (await exec('buildah', [...global, 'run', ...isolation, container, '--', 'node', '-e', script])).out.trim();
    },
    cleanup: async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      if (created) await exec('buildah', [...global, 'rm', container]);
    },
  };
}

/** The gateway process among the descendants of `ancestor` (buildah run → chroot runtime → exec → node). */
function gatewayPid(ancestor: number, cmd: string[]): number | null {
  const parentOf = new Map<number, number>();
  const cmdlineOf = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmdlineOf.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean));
    } catch {
      // gone meanwhile
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === ancestor) return true;
    return false;
  };
  const script = cmd[cmd.length - 1]!;
  for (const [pid, args] of cmdlineOf) {
    if (descends(pid) && path.basename(args[0] ?? '') === cmd[0] && args[args.length - 1] === script) return pid;
  }
  return null;
}

async function untilHealthy(baseUrl: string, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(250)) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return true;
    } catch {
      // not listening yet
    }
  }
  return false;
}

async function gql(baseUrl: string, query: string, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function main(): Promise<void> {
  const engine = await detectEngine();
  if (!engine) {
    console.log('test:container skipped: no container engine (a docker or podman that answers, or buildah) on this machine');
    return;
  }
  console.log(`test:container with ${engine}, image ${image}`);
  const ops = engine === 'buildah' ? buildahEngine() : cliEngine(engine);
  if (process.env.SECGRAPH_SMOKE_BUILD === 'skip') {
    console.log(`SECGRAPH_SMOKE_BUILD=skip: checking the image already built as ${image}`);
  } else {
    const started = Date.now();
    const built = await ops.build();
    check(`the image builds (${Math.round((Date.now() - started) / 1000)} s)`, built === 0, `exit ${built}`);
    if (built !== 0) return;
  }
  let current: Running | null = null;
  try {
    const config = await ops.inspect();
    check('it runs as an unprivileged user', config.user !== '' && config.user !== 'root' && config.user !== '0', config.user);
    check('it declares the /data volume', config.volumes.includes('/data'), config.volumes);
    check('it has a healthcheck', config.healthcheck);

    const open = await ops.runToEnd({});
    check('without SECGRAPH_API_KEYS it refuses to start beyond loopback', open.code !== 0 && open.out.includes('SECGRAPH_API_KEYS'), open.out.slice(-400));

    const env = { SECGRAPH_API_KEYS: API_KEYS };
    current = await ops.start(env);
    const healthy = await untilHealthy(current.baseUrl, 60_000);
    check('/health answers 200', healthy, healthy ? undefined : (await current.logs()).slice(-2000));
    if (!healthy) return;
    const ready = await fetch(`${current.baseUrl}/ready`);
    const readyBody = await ready.json().catch(() => null);
    check('/ready answers 200, ready', ready.status === 200 && readyBody?.ready === true, readyBody);

    const mount = await ops.nodeScript(MOUNT_OF_DATA);
    check('/data is a volume mount, not the image layer', mount !== '', 'no mount on /data');
    const tools = await ops.nodeScript(BUILD_TOOLS);
    check('no compiler, make or python in the runtime image', tools === '', tools);

    const anonymous = await gql(current.baseUrl, '{ gateway { version } }');
    check('a query without a key is refused', anonymous.status === 401 || Boolean(anonymous.body?.errors?.length), anonymous);
    const info = await gql(current.baseUrl, '{ gateway { version instance sandboxes } }', READER);
    check('a query with the key answers', info.status === 200 && typeof info.body?.data?.gateway?.version === 'string', info.body);

    // Something to find after the restart: a comment on an STA alert (the sandbox records sample STA alerts at
    // start; its SaaS Security incidents are regenerated at every start, so they would prove nothing).
    let alertId: string | undefined;
    for (const end = Date.now() + 60_000; Date.now() < end && !alertId; await sleep(500)) {
      const r = await gql(current.baseUrl, '{ alerts(first: 1, filter: { sources: [STA_ALERT] }) { edges { node { alertId } } } }', READER);
      alertId = r.body?.data?.alerts?.edges?.[0]?.node?.alertId;
    }
    const note = `smoke test ${new Date().toISOString()}`;
    const commented = alertId
      ? await gql(current.baseUrl, `mutation { addAlertComment(alertId: ${JSON.stringify(alertId)}, body: ${JSON.stringify(note)}) { id body } }`, RESPONDER)
      : null;
    const comment = commented?.body?.data?.addAlertComment as { id: string; body: string } | undefined;
    check('a comment with the respond key is recorded', comment?.body === note, commented?.body ?? 'no STA alert in the sandbox');
    const commentsOf = async (r: Running) =>
      ((await gql(r.baseUrl, `{ alert(alertId: ${JSON.stringify(alertId ?? '')}) { triage { comments(first: 100) { edges { node { id body } } } } } }`, READER)).body
        ?.data?.alert?.triage?.comments?.edges ?? []) as Array<{ node: { id: string; body: string } }>;

    const t0 = Date.now();
    const code = await current.terminate(EXIT_WITHIN_MS);
    const took = Date.now() - t0;
    const logs = await current.logs();
    current = null;
    check(`SIGTERM: drained and exited 0 within ${EXIT_WITHIN_MS / 1000} s (took ${(took / 1000).toFixed(1)} s)`, code === 0 && logs.includes('shutting down'), { code, tail: logs.slice(-600) });

    current = await ops.start(env);
    check('it starts again on the same /data', await untilHealthy(current.baseUrl, 60_000), (await current.logs()).slice(-2000));
    const after = (await commentsOf(current)).map((e) => e.node);
    check('the data survived the restart (the comment is still on the alert)', comment !== undefined && after.some((c) => c.id === comment.id && c.body === note), {
      before: comment,
      after,
    });
    const code2 = await current.terminate(EXIT_WITHIN_MS);
    current = null;
    check('SIGTERM again: exit 0', code2 === 0, code2);
  } finally {
    await current?.kill();
    await ops.cleanup();
  }
}

main()
  .catch((error: unknown) => {
    failed += 1;
    console.error(error);
  })
  .finally(() => {
    if (passed + failed > 0) console.log(`test:container: ${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  });

