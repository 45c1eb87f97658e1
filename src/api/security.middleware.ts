import type { RequestHandler } from 'express';
import { RateLimiterRes, type RateLimiterMemory } from 'rate-limiter-flexible';
import type { Principal } from '../ports/principal';
import { ProblemError } from '../shared/http/problem';
import { clientKey, noteFailure, tooManyFailures, type AuthFailureThrottle } from './auth-throttle';
import { noteRateLimit, requestPolicy, secondsUntil } from './rate-limit-headers';
import { routePattern, type Method } from './route-kit';

export interface Authenticator {
  authenticate(presentedKey: string): Principal | undefined;
}

/**
 * Resolves `Authorization: Bearer <key>` into `res.locals.principal`. A wrong key is refused at
 * once (401) rather than treated as anonymous, so a typo never silently downgrades access. Wrong
 * keys are counted per client address: past the limit the answer is 429 with Retry-After, and
 * while the address is blocked no key it presents is even looked at (see AuthFailureThrottle).
 */
export function authenticate(keys: Authenticator, failures: AuthFailureThrottle): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (!header) return next();
    const client = clientKey(req.ip);
    const wait = await failures.retryAfterMs(client);
    if (wait > 0) return next(tooManyFailures(res, failures, wait));
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    const principal = match ? keys.authenticate(match[1]!) : undefined;
    if (!principal) {
      const count = await failures.recordFailure(client);
      if (count.retryAfterMs > 0) return next(tooManyFailures(res, failures, count.retryAfterMs));
      noteFailure(res, failures, count);
      return next(
        new ProblemError(
          401,
          'Unauthorized',
          'invalid API key',
          {},
          { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        ),
      );
    }
    res.locals.principal = principal;
    next();
  };
}

/**
 * Requests per minute per API key (or per client address without one), in fixed one-minute
 * windows kept per key by rate-limiter-flexible: each key's window expires on its own, nothing is
 * ever cleared for everyone at once. Per replica (memory): behind N API replicas a key may make N
 * times the limit; the limit protects each replica, the failed-authentication throttle is the one
 * shared across replicas.
 */
export function rateLimit(limiter: RateLimiterMemory): RequestHandler {
  const policy = requestPolicy(limiter.points);
  return async (req, res, next) => {
    const who = (res.locals.principal as Principal | undefined)?.name ?? `ip:${clientKey(req.ip)}`;
    try {
      const spent = await limiter.consume(who);
      noteRateLimit(res, policy, { remaining: spent.remainingPoints, resetMs: spent.msBeforeNext });
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      noteRateLimit(res, policy, { remaining: 0, resetMs: e.msBeforeNext });
      const retryAfter = secondsUntil(e.msBeforeNext);
      return next(
        new ProblemError(
          429,
          'Too many requests',
          `rate limit of ${limiter.points} requests per minute exceeded`,
          {},
          { 'Retry-After': String(retryAfter) },
        ),
      );
    }
    next();
  };
}

/** CORS for an allow-list of origins only (the dashboard, the Temporal Web UI's codec calls). */
export function cors(allowed: readonly string[]): RequestHandler {
  const origins = new Set(allowed);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && origins.has(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Expose-Headers':
          'Location, Idempotent-Replay, Retry-After, RateLimit, RateLimit-Policy, X-Request-Id',
        Vary: 'Origin',
      });
      if (req.method === 'OPTIONS') {
        res.set({
          'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'Access-Control-Allow-Headers':
            req.get('access-control-request-headers') ??
            'Authorization, Content-Type, Idempotency-Key, X-Namespace',
          'Access-Control-Max-Age': '600',
        });
        return void res.status(204).end();
      }
    }
    next();
  };
}

/**
 * A body on a write must be JSON, or — for a route that streams its body (a CSV import) — one of
 * that route's media types: anything else is 415 before a parser guesses.
 */
export function requireSupportedBody(
  rawMediaTypesFor: (method: string, path: string) => readonly string[] | undefined,
): RequestHandler {
  return (req, _res, next) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (!hasBody || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
    const raw = rawMediaTypesFor(req.method, req.path);
    if (raw) {
      if (req.is([...raw])) return next();
      return next(new ProblemError(415, 'Unsupported media type', `send the body as ${raw.join(' or ')}`));
    }
    if (!req.is(['application/json', 'application/*+json'])) {
      return next(new ProblemError(415, 'Unsupported media type', 'send the body as application/json'));
    }
    next();
  };
}

/** 405 with `Allow` when the path exists under other methods; otherwise fall through to 404. */
export function methodNotAllowed(
  routes: () => ReadonlyArray<{ method: Method; path: string }>,
): RequestHandler {
  let compiled: Array<{ re: RegExp; method: string }> | undefined;
  return (req, _res, next) => {
    compiled ??= routes().map((r) => ({ re: routePattern(r.path), method: r.method.toUpperCase() }));
    const allowed = [...new Set(compiled.filter((r) => r.re.test(req.path)).map((r) => r.method))];
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      return next(
        new ProblemError(
          405,
          'Method not allowed',
          `${req.method} is not supported here`,
          {},
          { Allow: allowed.join(', ') },
        ),
      );
    }
    next();
  };
}

/** Correlates logs and answers: honours a sane incoming X-Request-Id, else makes one. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  const id = incoming && /^[\w.:-]{1,100}$/.test(incoming) ? incoming : globalThis.crypto.randomUUID();
  res.locals.requestId = id;
  res.set('X-Request-Id', id);
  next();
};
