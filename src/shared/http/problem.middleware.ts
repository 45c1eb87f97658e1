import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { PROBLEM_LIMITS, ProblemError, problemType, type ProblemBody } from './problem';

interface Logger {
  error(obj: object, msg: string): void;
}

/**
 * Turns a failure a service knows about into a problem body (and response headers), or returns
 * undefined to let the generic handling decide.
 */
export type ProblemClassifier = (
  err: unknown,
  req: Request,
) => { body: ProblemBody; headers?: Record<string, string> } | undefined;

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * RFC 9457 problem+json for every failure: ProblemError, zod validation, body-parser refusals,
 * whatever the service's own classifiers recognise, and a bare 500 for the rest. Never leaks
 * stack traces or driver text.
 */
export function problemMiddleware(
  logger: Logger,
  classifiers: ProblemClassifier[] = [],
  opts: {
    /** Masks credentials a URL may carry before it is echoed (`instance`) or logged. */
    redactUrl?: (url: string) => string;
  } = {},
): ErrorRequestHandler {
  const redact = opts.redactUrl ?? ((url: string) => url);
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    let body: ProblemBody;
    let headers: Record<string, string> = {};
    let known: ReturnType<ProblemClassifier>;
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
    } else if ((known = classify(classifiers, err, req))) {
      body = known.body;
      headers = known.headers ?? {};
    } else if (isBodyParserError(err)) {
      body = bodyParserProblem(err);
    } else {
      logger.error({ err, path: redact(req.path) }, 'unhandled error');
      body = {
        type: problemType('internal'),
        title: 'Internal error',
        status: 500,
        detail: 'An unexpected error occurred',
      };
    }
    body.instance = redact(req.originalUrl);
    res
      .status(body.status)
      .set(headers)
      .type('application/problem+json')
      .send(JSON.stringify(bounded(body)));
  };
}

function classify(
  classifiers: ProblemClassifier[],
  err: unknown,
  req: Request,
): ReturnType<ProblemClassifier> {
  for (const c of classifiers) {
    const hit = c(err, req);
    if (hit) return hit;
  }
  return undefined;
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

const cut = (text: string, max: number): string =>
  text.length <= max
    ? text
    : `${Array.from(text)
        .slice(0, max - 1)
        .join('')}…`;

/** The body within PROBLEM_LIMITS: long echoes are cut, surplus `errors` entries dropped. */
function bounded(body: ProblemBody): ProblemBody {
  const out: ProblemBody = { ...body, title: cut(body.title, PROBLEM_LIMITS.title) };
  for (const key of ['detail', 'instance', 'code'] as const) {
    const value = body[key];
    if (typeof value === 'string') out[key] = cut(value, PROBLEM_LIMITS[key]);
  }
  if (Array.isArray(body.errors)) {
    out.errors = body.errors
      .slice(0, PROBLEM_LIMITS.errors)
      .map((e: unknown) =>
        e && typeof e === 'object'
          ? Object.fromEntries(
              Object.entries(e).map(([k, v]) => [
                k,
                typeof v === 'string' ? cut(v, PROBLEM_LIMITS.errorText) : v,
              ]),
            )
          : e,
      );
  }
  return out;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ProblemError(404, 'Not found', `no route for ${req.method} ${req.path}`));
};
