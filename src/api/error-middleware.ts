import type { ErrorRequestHandler } from 'express';
import { isDomainError } from '../domain/domain-error';
import { problemType } from '../shared/http/problem';
import { problemMiddleware, type ProblemClassifier } from '../shared/http/problem.middleware';
import { redactUrl } from './url-redaction';

interface Logger {
  error(obj: object, msg: string): void;
}

/** Domain codes that mean "your request can never succeed as sent" rather than "not in this state". */
const UNPROCESSABLE_PREFIXES = [
  'MONEY.',
  'LINE.',
  'PARTNER.INVALID_',
  'PAYOUT_METHOD.INVALID_',
  'COMMISSION.INVALID_',
  'TAX_PROFILE.INVALID_',
];
const UNPROCESSABLE_CODES = new Set([
  'PAYMENT.NO_LINES',
  'PAYMENT.LINE_CURRENCY_MISMATCH',
  'PAYMENT.DUPLICATE_LINE_REFERENCE',
  'PAYMENT.TOTAL_MISMATCH',
  'PAYMENT.ABOVE_MAXIMUM',
  'PARTNER.NOT_FOUND',
  'PARTNER.SUSPENDED',
  'PARTNER.PAYOUT_HOLD',
  'COMMISSION.NON_POSITIVE_AMOUNT',
  'COMMISSION.EXTERNAL_REF_CONFLICT',
  'COMMISSION.CURRENCY_NOT_CONFIGURED',
  'PAYMENT.NON_POSITIVE_TOTAL',
  'SETTLEMENT.REASON_REQUIRED',
]);

function domainStatus(code: string): number {
  if (code.endsWith('.INVALID_TRANSITION')) return 409;
  if (code.endsWith('.NOT_FOUND') && !code.startsWith('PARTNER.')) return 404;
  if (UNPROCESSABLE_CODES.has(code) || UNPROCESSABLE_PREFIXES.some((p) => code.startsWith(p))) return 422;
  return 409;
}

const domainRefusal: ProblemClassifier = (err) =>
  isDomainError(err)
    ? {
        body: {
          type: problemType(err.code.toLowerCase().replace(/[._]/g, '-')),
          title: 'Request refused by a business rule',
          status: domainStatus(err.code),
          detail: err.message,
          code: err.code,
        },
      }
    : undefined;

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
    // FAILED_PRECONDITION while a workflow's task is failing: it recovers once a worker takes it up.
    const { message } = e as { message?: unknown };
    if (
      code === 9 &&
      typeof message === 'string' &&
      /workflow task in failed state|unexpected workflow task failure/i.test(message)
    )
      return true;
    if (name === 'KnexTimeoutError' || name === 'ConnectionTimeoutError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one place where the API's failures become HTTP statuses: the shared problem+json handling
 * plus what only this service knows — domain refusals and unreachable dependencies.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  const unavailable: ProblemClassifier = (err, req) => {
    if (!isUnavailable(err)) return undefined;
    logger.error({ err, path: redactUrl(req.path) }, 'dependency unavailable');
    return {
      body: {
        type: problemType('unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: 'a dependency (Temporal or the database) is unreachable; retry shortly',
      },
      headers: { 'Retry-After': '5' },
    };
  };
  return problemMiddleware(logger, [domainRefusal, unavailable], { redactUrl });
}
