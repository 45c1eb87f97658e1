import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { isDomainError } from '../domain/domain-error';
import { ProblemError, problemType, type ProblemBody } from './problem';

interface Logger {
  error(obj: object, msg: string): void;
}

/** Domain codes that mean "your request can never succeed as sent" rather than "not in this state". */
const UNPROCESSABLE_PREFIXES = ['MONEY.', 'LINE.', 'PARTNER.INVALID_'];
const UNPROCESSABLE_CODES = new Set([
  'PAYMENT.NO_LINES',
  'PAYMENT.LINE_CURRENCY_MISMATCH',
  'PAYMENT.DUPLICATE_LINE_REFERENCE',
  'PAYMENT.TOTAL_MISMATCH',
  'PAYMENT.ABOVE_MAXIMUM',
  'PARTNER.NOT_FOUND',
  'PARTNER.SUSPENDED',
]);

function domainStatus(code: string): number {
  if (code.endsWith('.NOT_FOUND') && !code.startsWith('PARTNER.')) return 404;
  if (UNPROCESSABLE_CODES.has(code) || UNPROCESSABLE_PREFIXES.some((p) => code.startsWith(p))) return 422;
  return 409;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** The one place where failures become HTTP statuses. Never leaks stack traces or driver text. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    let body: ProblemBody;
    let headers: Record<string, string> = {};
    if (err instanceof ProblemError) {
      body = {
        type: problemType(slug(err.title)),
        title: err.title,
        status: err.status,
        detail: err.detail,
        ...err.extra,
      };
      headers = err.headers;
    } else if (err instanceof ZodError) {
      body = {
        type: problemType('validation'),
        title: 'Invalid request',
        status: 400,
        detail: err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        errors: err.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      };
    } else if (isDomainError(err)) {
      body = {
        type: problemType(err.code.toLowerCase().replace(/[._]/g, '-')),
        title: 'Request refused by a business rule',
        status: domainStatus(err.code),
        detail: err.message,
        code: err.code,
      };
    } else if (isBodyParserError(err)) {
      body = bodyParserProblem(err);
    } else if (isUnavailable(err)) {
      logger.error({ err, path: req.path }, 'dependency unavailable');
      body = {
        type: problemType('unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: 'a dependency (Temporal or the database) is unreachable; retry shortly',
      };
      headers = { 'Retry-After': '5' };
    } else {
      logger.error({ err, path: req.path }, 'unhandled error');
      body = {
        type: problemType('internal'),
        title: 'Internal error',
        status: 500,
        detail: 'An unexpected error occurred',
      };
    }
    body.instance = req.originalUrl;
    res.status(body.status).set(headers).type('application/problem+json').send(JSON.stringify(body));
  };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P03',
  '08006',
  '08001',
]);
/** gRPC UNAVAILABLE (14) / DEADLINE_EXCEEDED (4) from Temporal, connection failures from the driver. */
function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth += 1) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (code === 14 || code === 4 || (typeof code === 'string' && UNAVAILABLE_CODES.has(code))) return true;
    if (name === 'KnexTimeoutError' || name === 'ConnectionTimeoutError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return (
    typeof err === 'object' &&
    err !== null &&
    'type' in err &&
    typeof (err as BodyParserError).status === 'number'
  );
}

function bodyParserProblem(err: BodyParserError): ProblemBody {
  switch (err.type) {
    case 'entity.parse.failed':
      return { type: problemType('malformed-json'), title: 'Malformed JSON body', status: 400 };
    case 'entity.too.large':
      return { type: problemType('payload-too-large'), title: 'Request body too large', status: 413 };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { type: problemType('unsupported-media-type'), title: 'Unsupported body encoding', status: 415 };
    default:
      return {
        type: problemType('bad-request'),
        title: 'Bad request',
        status: err.status && err.status < 500 ? err.status : 400,
      };
  }
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ProblemError(404, 'Not found', `no route for ${req.method} ${req.path}`));
};
