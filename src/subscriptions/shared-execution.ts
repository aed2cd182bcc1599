// One execution per event for subscribers that asked the same thing: subscriptions whose document,
// operation name, variables and scopes are equal join one shared execution; each event is executed (and
// its result built and serialised) once and handed to every member, whatever its transport (graphql-ws or
// SSE). Each member (shared-member.ts) keeps its own bounded queue and has error-free events written
// straight to its socket by its transport's `DirectSink` (graphql-ws: src/http/websocket.ts; SSE:
// src/http/shared-sse.ts) from the event's one serialisation (`SharedEvent`).
//
// A member joining later receives the events published after it joined, as a fresh subscription would; so
// only fields that are plain live streams are shared (not, e.g., remediationUpdates, which starts with the
// current status and shares its upstream poll itself). Subscriptions that replay history (a root field
// given `after`) are never shared: each needs its own replay. The shared execution runs with the context of
// the member that started it (same scopes by construction); it ends when its last member leaves.
//
// Joining without the envelop (`joinLive`, src/subscriptions/live-join.ts): a request that names a live
// shared execution by its request key (the principal's scopes, operation name, query text as sent and
// variables) joins it directly. The key holds everything parsing, validation, the operation limits and
// scope checks depend on, and the execution it names already passed them with equal inputs, so their
// outcome is known; what remains per request (the rate limit, metrics) live-join.ts does. Such members have
// no envelop around them: results with errors reach them masked here, once per event. This is what keeps an
// idle subscriber small: the per-operation envelop state (context, hooks, mapped iterators: about 7 KB over
// graphql-ws, 8 KB over SSE) is never built for the thousands who join.
import { maskError, type Plugin } from 'graphql-yoga';
import { Kind, print, type DocumentNode, type GraphQLError, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Context } from '../context.js';
import { overflowError } from './bounded-subscription.js';
import { SharedMemberStream, type DirectSink, type Member, type MemberHost, type SharedEvent, type SharedMember } from './shared-member.js';

type Result = ExecutionResult;

/** Where a transport puts a member's sink: on the context of the subscription (graphql-ws). */
export const DIRECT_SINK = Symbol('secgraph.directSink');
/** Where a transport puts the request key of a subscription (see requestKey), so later equal requests can joinLive. */
export const REQUEST_KEY = Symbol('secgraph.requestKey');

/**
 * A subscription request's key as it arrived, before parsing: equal keys are equal requests for every check
 * the envelop makes. `scopes` are the authenticated principal's.
 */
export function requestKey(scopes: Iterable<string>, operationName: string | null | undefined, query: string, variables: unknown): string {
  return JSON.stringify([[...scopes].sort().join('+'), operationName ?? null, query, variables ?? null]);
}

/**
 * yoga's default masking (app.ts leaves `maskedErrors` at its default), which its envelop applies to every
 * other member. The original error is logged once, by the envelop of the member that started the execution.
 */
const maskErrors = (result: Result): Result =>
  result.errors?.length ? { ...result, errors: result.errors.map((e) => maskError(e, 'Unexpected error.') as GraphQLError) } : result;

class SharedExecution implements MemberHost {
  readonly members = new Set<Member>();
  private source: AsyncIterator<Result> | null = null;
  /** How many results the execution produced: what tests and benches count. */
  executions = 0;
  /** The request keys this execution answers to in joinLive; set once it is live. */
  private readonly aliases = new Set<string>();
  /** The parsed document of the member that started it: what joinLive's members hand their transport. */
  document: DocumentNode | null = null;
  /** Members that joined live (without the envelop) and have not left. */
  bareMembers = 0;
  /** Its root field, for log lines. */
  field = 'subscription';

  constructor(
    private readonly key: string,
    private readonly registry: Map<string, SharedExecution>,
    private readonly live: Map<string, SharedExecution>,
  ) {}

  get started(): boolean {
    return this.source !== null;
  }

  /** Lets requests with this key join without the envelop (only once started: a refusal is never joined). */
  alias(requestKey: string): void {
    if (!this.started || this.registry.get(this.key) !== this) return;
    this.aliases.add(requestKey);
    this.live.set(requestKey, this);
  }

  start(results: AsyncIterable<Result>, document: DocumentNode, field: string): void {
    this.document = document;
    this.field = field;
    this.source = results[Symbol.asyncIterator]();
    void (async () => {
      let failure: unknown = undefined;
      try {
        for (;;) {
          const r = await this.source!.next();
          if (r.done) break;
          this.executions += 1;
          const result = serialisedOnce(r.value);
          const event = r.value.errors?.length ? null : sharedEvent(result);
          let masked: Result | undefined;
          const maskedOnce = () => (masked ??= maskErrors(result));
          for (const m of this.members) m.push(result, event, maskedOnce);
          if (this.members.size === 0) break;
        }
      } catch (error) {
        failure = error;
      }
      this.close();
      for (const m of [...this.members]) m.end(failure);
    })();
  }

  /** The subscription was answered with a single result instead of a stream. */
  refuse(result: Result): void {
    if (this.registry.get(this.key) === this) this.registry.delete(this.key);
    const [first, ...others] = [...this.members];
    void first;
    for (const m of others) {
      m.push(result, null, () => result);
      m.end();
    }
  }

  leave(member: Member): void {
    this.members.delete(member);
    if (this.members.size === 0) this.close();
  }

  private close(): void {
    if (this.registry.get(this.key) === this) this.registry.delete(this.key);
    for (const a of this.aliases) if (this.live.get(a) === this) this.live.delete(a);
    this.aliases.clear();
    void this.source?.return?.();
  }
}

/**
 * Lets every member's transport reuse one serialisation of a shared result: yoga's SSE (and HTTP) response
 * writer calls `result.stringify` when a result has one. Results a plugin rebuilt (masked errors) are other
 * objects and are serialised as usual. graphql-ws builds its own message around the payload per socket.
 */
function serialisedOnce(result: Result): Result {
  let json: string | undefined;
  Object.defineProperty(result, 'stringify', {
    value: (r: unknown) => (r === result ? (json ??= JSON.stringify(result)) : JSON.stringify(r)),
    enumerable: false,
  });
  return result;
}

function sharedEvent(result: Result): SharedEvent {
  const built = new Map<symbol, unknown>();
  let json: string | undefined;
  return {
    get json() {
      return (json ??= (result as { stringify: (r: Result) => string }).stringify(result));
    },
    once<T>(key: symbol, build: (json: string) => T): T {
      if (!built.has(key)) built.set(key, build(this.json));
      return built.get(key) as T;
    },
  };
}

const printed = new WeakMap<DocumentNode, string>();
function documentText(doc: DocumentNode): string {
  let text = printed.get(doc);
  if (text === undefined) printed.set(doc, (text = print(doc)));
  return text;
}

function operation(args: ExecutionArgs): OperationDefinitionNode | undefined {
  return args.document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || d.name?.value === args.operationName),
  );
}

/**
 * The sharing key, or null when this subscription must run on its own: a root field that is not a pure live
 * stream (`liveFields`: nothing emitted on subscribing, so a late joiner misses nothing), or one given
 * `after` (it replays history).
 */
export function sharingKey(args: ExecutionArgs, liveFields: ReadonlySet<string>): string | null {
  const op = operation(args);
  if (!op || op.operation !== 'subscription') return null;
  for (const sel of op.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD || !liveFields.has(sel.name.value)) return null;
    if (sel.arguments?.some((a) => a.name.value === 'after')) return null;
  }
  const ctx = args.contextValue as Partial<Context> | undefined;
  const scopes = ctx?.principal ? [...ctx.principal.scopes].sort().join('+') : '-';
  return JSON.stringify([scopes, args.operationName ?? null, documentText(args.document), args.variableValues ?? null]);
}

/** What joinLive needs from the transport for its member. */
export interface LiveJoin {
  sink: DirectSink | null;
  /** Logs the member's drop for overflow (the member has no context of its own): why, and the root field. */
  onDrop: (reason: string, field: string) => void;
  /** Called once when the member ends, however it ends. */
  onLeave?: () => void;
  /** The HTTP request it came in (SSE): memberFor finds the member by it. */
  request?: object;
  /** When the joiner's token expires (epoch ms), if it has one: the member ends then. */
  expiresAt?: number | null;
}

export interface SharedSubscriptions {
  plugin: Plugin;
  /**
   * The parsed document of the live execution this request key names (see requestKey), or null when none is
   * live: for the transport's own checks (graphql-ws looks up the operation in it). It may end before joinLive.
   */
  liveDocument(requestKey: string): DocumentNode | null;
  /**
   * Joins the live execution this request key names, skipping the envelop; null when none is live, and the
   * request then goes through the envelop as usual.
   */
  joinLive(requestKey: string, join: LiveJoin): SharedMember | null;
  /** The shared member this HTTP request subscribed as, if it did (for the SSE writer). */
  memberFor(request: object): SharedMember | undefined;
  /** Live shared executions by key: their member counts (those that joined live among them) and how many results each produced. */
  stats(): Array<{ members: number; joinedLive: number; executions: number }>;
}

/**
 * The envelop plugin (added in app.ts); `capacity` is each member's queue (SECGRAPH_SUBSCRIPTION_BUFFER);
 * `liveFields` the subscription fields that are plain live streams of pub/sub events.
 */
export function sharedSubscriptions(capacity: number, liveFields: readonly string[]): SharedSubscriptions {
  const registry = new Map<string, SharedExecution>();
  /** Started executions by the request keys that may joinLive them. */
  const byRequestKey = new Map<string, SharedExecution>();
  /** HTTP (SSE) members by their fetch Request: the SSE writer attaches its sink at response time. */
  const byRequest = new WeakMap<object, SharedMember>();
  const live = new Set(liveFields);
  const plugin: Plugin = {
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const key = sharingKey(args, live);
        if (key === null) return subscribeFn(args);
        const ctx = args.contextValue as Partial<Context> | undefined;
        const rootField = operation(args)?.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
        const name = rootField?.kind === Kind.FIELD ? rootField.name.value : 'subscription';
        const onDrop = () => ctx?.logger?.warn({ reason: overflowError(capacity).message, shared: true }, `${name} subscription ended`);
        const sink = (ctx as { [DIRECT_SINK]?: DirectSink } | undefined)?.[DIRECT_SINK] ?? null;
        const requestKeyOfCtx = (ctx as { [REQUEST_KEY]?: string } | undefined)?.[REQUEST_KEY];
        const join = (execution: SharedExecution) => {
          const m = new SharedMemberStream(execution, { capacity, onDrop, sink, expiresAt: ctx?.credentialExpiresAt });
          const request = (ctx as { request?: object } | undefined)?.request;
          if (request) byRequest.set(request, m);
          if (requestKeyOfCtx) execution.alias(requestKeyOfCtx);
          return m;
        };
        const existing = registry.get(key);
        if (existing) return join(existing);
        // Registered before subscribing, so subscribers arriving meanwhile join this one.
        const execution = new SharedExecution(key, registry, byRequestKey);
        registry.set(key, execution);
        const first = join(execution);
        const result = await subscribeFn(args);
        if (!isAsyncIterable(result)) {
          // Refused before the stream started (validation, auth, a bad argument): everyone who joined asked
          // the same thing, so everyone gets this answer.
          execution.refuse(result);
          return result;
        }
        execution.start(result, args.document, name);
        if (requestKeyOfCtx) execution.alias(requestKeyOfCtx);
        return first;
      });
    },
  };
  return {
    plugin,
    liveDocument: (requestKey) => byRequestKey.get(requestKey)?.document ?? null,
    joinLive(requestKey, { sink, onDrop, onLeave, request, expiresAt }) {
      const execution = byRequestKey.get(requestKey);
      if (!execution) return null;
      const drop = () => onDrop(overflowError(capacity).message, execution.field);
      const m = new SharedMemberStream(execution, { capacity, onDrop: drop, sink, bare: true, onLeave, expiresAt });
      if (request) byRequest.set(request, m);
      return m;
    },
    memberFor: (request) => byRequest.get(request),
    stats: () => [...registry.values()].map((e) => ({ members: e.members.size, joinedLive: e.bareMembers, executions: e.executions })),
  };
}

function isAsyncIterable(v: unknown): v is AsyncIterable<Result> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}
