// One member of a shared execution (shared-execution.ts): its bounded queue and its direct writes. It is a
// class, not a set of closures, because thousands of idle members are what a fan-out holds: methods on the
// prototype cost nothing per member, where each closure and its context cost a few hundred bytes.
//
// Each error-free event is written by the member's sink (its transport's writer) inside the fan-out loop
// when nothing of its own is pending; anything else (results with errors, the overflow error, and anything
// while the queue is not empty or a queued result is still being sent) goes through the queue and the
// transport's usual pipeline, so order is kept. A sink refuses (returns false) when its peer is behind; the
// result is then queued, and a member `capacity` results behind is dropped with a final
// SUBSCRIPTION_OVERFLOW error (the policy of bounded-subscription.ts); the execution and the others go on.
import type { ExecutionResult, GraphQLError } from 'graphql';
import { atExpiry, credentialExpiredError } from '../identity/credential-expiry.js';
import { overflowError } from './bounded-subscription.js';

type Result = ExecutionResult;

/** One shared event as its transports write it: serialised once, and anything built from that once too. */
export interface SharedEvent {
  /** JSON.stringify of the (error-free) result: graphql-ws's `payload`, graphql-sse's `data`. */
  readonly json: string;
  /** `build(json)` computed once per event for all members asking with the same key. */
  once<T>(key: symbol, build: (json: string) => T): T;
}

/** A transport's writer for a member: false when it cannot take the event now (closed, peer behind). */
export interface DirectSink {
  next(event: SharedEvent): boolean;
}

/** What the execution hands each member per event, and how it ends them. */
export interface Member {
  /** `masked`: the result with its errors masked, for members without an envelop (joinLive). */
  push(result: Result, event: SharedEvent | null, masked: () => Result): void;
  end(error?: unknown): void;
}

/** A member's stream, and where a transport attaches its sink once it has one (SSE: at response time). */
export interface SharedMember extends AsyncIterableIterator<Result> {
  attach(sink: DirectSink): void;
}

/** The shared execution as its members see it. */
export interface MemberHost {
  readonly members: Set<Member>;
  /** Members that joined without the envelop and have not left. */
  bareMembers: number;
  leave(member: Member): void;
}

export interface MemberOptions {
  capacity: number;
  /** Logs the member's drop for overflow. */
  onDrop: () => void;
  sink: DirectSink | null;
  /** No envelop around this member (joinLive): it queues results with their errors masked. */
  bare?: boolean;
  /** Called once when the member leaves or the execution ends it. */
  onLeave?: () => void;
  /** When the member's token expires (epoch ms): it ends then, with an UNAUTHENTICATED error last (src/identity/credential-expiry.ts). */
  expiresAt?: number | null;
}

/** One member's write; a sink that throws is treated as one that refused, never as the fan-out's failure. */
function written(sink: DirectSink, event: SharedEvent): boolean {
  try {
    return sink.next(event);
  } catch {
    return false;
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A shared member's stream (it ends itself at its token's expiry; transports find it by identity). */
export const isSharedMember = (v: unknown): v is SharedMemberStream => v instanceof SharedMemberStream;

export class SharedMemberStream implements Member, SharedMember {
  private queue: Result[] | null = null;
  private sink: DirectSink | null;
  private readonly capacity: number;
  private readonly onDrop: () => void;
  private readonly bare: boolean;
  private onLeave: (() => void) | undefined;
  private left = false;
  /** A queued result was handed to the transport and it has not asked for the next yet (still sending it). */
  private handedOut = false;
  private done = false;
  private failure: unknown = undefined;
  private wake: (() => void) | null = null;
  private cancelExpiry: (() => void) | null = null;

  constructor(
    private readonly host: MemberHost,
    { capacity, onDrop, sink, bare = false, onLeave, expiresAt }: MemberOptions,
  ) {
    this.capacity = capacity;
    this.onDrop = onDrop;
    this.sink = sink;
    this.bare = bare;
    this.onLeave = onLeave;
    host.members.add(this);
    if (bare) host.bareMembers += 1;
    if (expiresAt) this.cancelExpiry = atExpiry(expiresAt, () => this.finalResult(credentialExpiredError()));
  }

  push(result: Result, event: SharedEvent | null, masked: () => Result): void {
    if (this.done) return;
    const queued = this.queue?.length ?? 0;
    if (event && this.sink && queued === 0 && !this.handedOut && written(this.sink, event)) return;
    const queue = (this.queue ??= []);
    if (queued >= this.capacity) {
      // Same outcome as an unshared subscriber overflowing: what was queued, then the error, then the end.
      this.onDrop();
      this.finalResult(overflowError(this.capacity));
      return;
    }
    queue.push(this.bare && !event ? masked() : result);
    this.notify();
  }

  /** Ends the member after what it has queued, with `error` as its last result (overflow, an expired token). */
  private finalResult(error: Error): void {
    if (this.done) return;
    (this.queue ??= []).push({ errors: [error as GraphQLError] });
    this.done = true;
    this.host.leave(this);
    this.leave();
    this.notify();
  }

  end(error?: unknown): void {
    this.failure = error;
    this.done = true;
    this.leave();
    this.notify();
  }

  attach(sink: DirectSink): void {
    this.sink = sink;
  }

  async next(): Promise<IteratorResult<Result>> {
    this.handedOut = false;
    for (;;) {
      const value = this.queue?.shift();
      if (value) {
        this.handedOut = true;
        return { done: false, value };
      }
      if (this.failure !== undefined) {
        const f = this.failure;
        this.failure = undefined;
        throw f;
      }
      if (this.done) return DONE;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<Result>> {
    this.done = true;
    this.queue = null;
    this.host.leave(this);
    this.leave();
    this.notify();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private leave(): void {
    if (this.left) return;
    this.left = true;
    this.cancelExpiry?.();
    if (this.bare) this.host.bareMembers -= 1;
    const onLeave = this.onLeave;
    this.onLeave = undefined;
    onLeave?.();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
