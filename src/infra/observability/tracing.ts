import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  tracer: Tracer;
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

let registered: NodeTracerProvider | undefined;

/**
 * OpenTelemetry tracing, off unless an OTLP endpoint (or, in tests, a span processor) is given. The
 * provider is registered globally once per process so spans started by the HTTP layer, the
 * Temporal interceptors and the bank client share one context and one trace.
 */
export function createTracing(opts: {
  otlpEndpoint?: string;
  spanProcessor?: SpanProcessor;
  serviceName: string;
}): Tracing | undefined {
  const spanProcessor =
    opts.spanProcessor ??
    (opts.otlpEndpoint
      ? new BatchSpanProcessor(
          new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
        )
      : undefined);
  if (!spanProcessor) return undefined;
  const resource = new Resource({ 'service.name': opts.serviceName });
  if (!registered) {
    registered = new NodeTracerProvider({ resource });
    registered.register();
  }
  registered.addSpanProcessor(spanProcessor);
  return {
    tracer: trace.getTracer('alpes-partners'),
    spanProcessor,
    resource,
    shutdown: () => spanProcessor.shutdown(),
  };
}
