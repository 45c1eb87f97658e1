import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { redactUrl } from './url-redaction';

/**
 * A server span per request, continuing an incoming `traceparent`. Everything the handler starts
 * (the workflow start, through the Temporal client interceptor) becomes its child. Without a
 * registered tracer provider this is the API's no-op tracer and costs next to nothing.
 */
export const traceRequests: RequestHandler = (req, res, next) => {
  const tracer = trace.getTracer('alpes-partners-api');
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    `HTTP ${req.method}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.method': req.method, 'http.target': redactUrl(req.originalUrl) },
    },
    parent,
  );
  res.on('finish', () => {
    const route = (req.route as { path?: string } | undefined)?.path;
    if (route) span.updateName(`HTTP ${req.method} ${route}`);
    span.setAttribute('http.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
};
