// Optional OpenTelemetry traces: with OTEL_EXPORTER_OTLP_ENDPOINT set, a tracer provider exporting OTLP over
// HTTP (JSON) is registered, and every upstream call becomes a client span (upstream-guard.ts). The SDK is
// loaded only then, so a gateway without tracing neither pays its start-up cost nor holds its memory.
// Without a provider the @opentelemetry/api calls in upstream-guard.ts are no-ops.
import { trace } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import { GATEWAY_VERSION } from '../version.js';

export interface Tracing {
  /** Flushes the spans still buffered and unregisters the provider. */
  close(): Promise<void>;
}

export async function startTracing(endpoint: string | null, logger: Logger): Promise<Tracing | null> {
  if (!endpoint) return null;
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'secgraph', 'service.version': GATEWAY_VERSION }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  trace.setGlobalTracerProvider(provider);
  logger.info({ endpoint }, 'OpenTelemetry: exporting a span per upstream call');
  return {
    async close() {
      await provider.forceFlush().catch((e: unknown) => logger.warn({ err: e }, 'OpenTelemetry: spans could not be flushed'));
      await provider.shutdown().catch(() => {});
      trace.disable();
    },
  };
}
