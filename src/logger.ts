// One pino logger for the process. Secrets are redacted by key wherever they appear in a log object, and
// free text is scrubbed of every secret the configuration holds (see registerSecret).
import { pino, type Logger, type DestinationStream } from 'pino';
import { currentScope } from './request-scope.js';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const REDACT_PATHS = [
  'authorization',
  'password',
  'clientSecret',
  'client_secret',
  'access_token',
  'apiKey',
  'apikey',
  'token',
  '*.authorization',
  '*.password',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.apiKey',
  '*.apikey',
  '*.token',
  'headers.apikey',
  '*.headers.apikey',
  'headers.authorization',
  '*.headers.authorization',
];

const secrets = new Set<string>();

/** Remember a secret value so that scrub() removes it from any text that reaches a log or a client. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

/** Replaces every registered secret in text by [REDACTED]. */
export function scrub(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

/**
 * Without a destination, logs go to stdout: readable (pino-pretty, in a worker thread) when stdout is a
 * terminal, one JSON object per line otherwise (for log shippers).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const pretty = !destination && process.stdout.isTTY;
  return pino(
    {
      level,
      ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // Lines logged inside a request (connectors, yoga) carry its id, unless their logger already binds one.
      mixin(_obj, _level, instance) {
        const scope = currentScope();
        if (!scope) return {};
        const bindings = (instance as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
        return bindings.includes('"requestId":') ? {} : { requestId: scope.requestId };
      },
      hooks: {
        // Messages are free text: scrub them too, so a secret interpolated by mistake never lands.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}

/**
 * parent.child(bindings), made when first used. Every operation gets its own logger, but most log nothing,
 * and pino's child() (bindings serialised, then redacted) was about 2.5% of a cached read's CPU.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const target = () => (child ??= parent.child(bindings));
  return new Proxy({} as Logger, {
    get(_, property) {
      const logger = target();
      const value = Reflect.get(logger, property, logger) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(logger) : value;
    },
    set: (_, property, value) => Reflect.set(target(), property, value),
    has: (_, property) => Reflect.has(target(), property),
  });
}
