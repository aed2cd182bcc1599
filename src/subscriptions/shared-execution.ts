// One execution per event for subscribers that asked the same thing: subscriptions whose document,
// operation name, variables and scopes are equal join one shared execution; each event is executed (and
// its result built) once and handed to every member, whatever its transport (graphql-ws or SSE, both go
// through yoga's envelop); SSE members also share its serialisation.
//
// Each member keeps its own bounded queue with the policy of bounded-subscription.ts: a member that falls
// `capacity` results behind is dropped with a final SUBSCRIPTION_OVERFLOW error; the execution and the
// other members go on. A member joining later receives the events published after it joined, as a fresh
// subscription would; so only fields that are plain live streams are shared (not, e.g., remediationUpdates,
// which starts with the current status and shares its upstream poll itself). Subscriptions that replay
// history (a root field given `after`) are never shared: each needs its own replay. The shared execution runs with the context of the member that started it
// (same scopes by construction); it ends when its last member leaves.
import type { Plugin } from 'graphql-yoga';
import { Kind, print, type DocumentNode, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Context } from '../context.js';
import { overflowError } from './bounded-subscription.js';

type Result = ExecutionResult;

interface Member {
  push(result: Result): void;
  end(error?: unknown): void;
}

class SharedExecution {
  readonly members = new Set<Member>();
  private source: AsyncIterator<Result> | null = null;
  /** How many results the execution produced: what tests and benches count. */
  executions = 0;

  constructor(
    private readonly key: string,
    private readonly registry: Map<string, SharedExecution>,
  ) {}

  start(results: AsyncIterable<Result>): void {
    this.source = results[Symbol.asyncIterator]();
    void (async () => {
      let failure: unknown = undefined;
      try {
        for (;;) {
          const r = await this.source!.next();
          if (r.done) break;
          this.executions += 1;
          const result = serialisedOnce(r.value);
          for (const m of this.members) m.push(result);
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
      m.push(result);
      m.end();
    }
  }

  leave(member: Member): void {
    this.members.delete(member);
    if (this.members.size === 0) this.close();
  }

  private close(): void {
    if (this.registry.get(this.key) === this) this.registry.delete(this.key);
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

function member(execution: SharedExecution, capacity: number, onDrop: () => void): AsyncIterableIterator<Result> {
  const queue: Result[] = [];
  let done = false;
  let failure: unknown = undefined;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const m: Member = {
    push(result) {
      if (done) return;
      if (queue.length >= capacity) {
        // Same outcome as an unshared subscriber overflowing: what was queued, then the error, then the end.
        queue.push({ errors: [overflowError(capacity)] });
        onDrop();
        done = true;
        execution.leave(m);
      } else queue.push(result);
      notify();
    },
    end(error) {
      failure = error;
      done = true;
      notify();
    },
  };
  execution.members.add(m);
  const self: AsyncIterableIterator<Result> = {
    async next() {
      for (;;) {
        if (queue.length) return { done: false, value: queue.shift()! };
        if (failure !== undefined) {
          const f = failure;
          failure = undefined;
          throw f;
        }
        if (done) return { done: true, value: undefined };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return() {
      done = true;
      queue.length = 0;
      execution.leave(m);
      notify();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return self;
    },
  };
  return self;
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

export interface SharedSubscriptions {
  plugin: Plugin;
  /** Live shared executions by key: their member counts and how many results each produced. */
  stats(): Array<{ members: number; executions: number }>;
}

/**
 * The envelop plugin (added in app.ts); `capacity` is each member's queue (SECGRAPH_SUBSCRIPTION_BUFFER);
 * `liveFields` the subscription fields that are plain live streams of pub/sub events.
 */
export function sharedSubscriptions(capacity: number, liveFields: readonly string[]): SharedSubscriptions {
  const registry = new Map<string, SharedExecution>();
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
        const existing = registry.get(key);
        if (existing) return member(existing, capacity, onDrop);
        // Registered before subscribing, so subscribers arriving meanwhile join this one.
        const execution = new SharedExecution(key, registry);
        registry.set(key, execution);
        const first = member(execution, capacity, onDrop);
        const result = await subscribeFn(args);
        if (!isAsyncIterable(result)) {
          // Refused before the stream started (validation, auth, a bad argument): everyone who joined asked
          // the same thing, so everyone gets this answer.
          execution.refuse(result);
          return result;
        }
        execution.start(result);
        return first;
      });
    },
  };
  return {
    plugin,
    stats: () => [...registry.values()].map((e) => ({ members: e.members.size, executions: e.executions })),
  };
}

function isAsyncIterable(v: unknown): v is AsyncIterable<Result> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}
