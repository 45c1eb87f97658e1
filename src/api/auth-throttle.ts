import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Response } from 'express';
import { ProblemError } from '../shared/http/problem';
import {
  authFailurePolicy,
  noteRateLimit,
  RATE_LIMIT_WINDOW_SECONDS,
  secondsUntil,
} from './rate-limit-headers';

/**
 * Failed authentications per client address (wrong API keys, wrong codec link tokens), counted in
 * fixed one-minute windows per address — each address has its own window, nothing is ever reset
 * for everyone at once.
 *
 * What is shared and what is per replica:
 * - The COUNT lives in `store`: PostgreSQL (rate-limiter-flexible's RateLimiterPostgres, one row per
 *   address) when the API runs on PostgreSQL, so every API replica adds to the same count; in the
 *   embedded default (PGlite, one process) it is memory. If PostgreSQL fails, the store's insurance
 *   limiter counts in memory, per replica, until it is back.
 * - The knowledge that an address is BLOCKED is per replica: a replica learns it when one of its own
 *   failures goes over the limit, and from then on answers 429 to that address without looking at
 *   its credential, so even a right guess is not confirmed. A request with a valid key costs no
 *   database round trip. Across R replicas an attacker therefore gets at most limit + R attempts
 *   evaluated per window, not limit × R.
 */
export class AuthFailureThrottle {
  private readonly blocked = new RateLimiterMemory({
    keyPrefix: 'auth-blocked',
    points: 1,
    duration: RATE_LIMIT_WINDOW_SECONDS,
  });

  constructor(private readonly store: RateLimiterAbstract) {}

  /** Failed authentications allowed per client address and window. */
  get limit(): number {
    return this.store.points;
  }

  /** Milliseconds this client must wait before presenting a credential again; 0 when it may. No I/O. */
  async retryAfterMs(client: string): Promise<number> {
    const res = await this.blocked.get(client);
    return res && res.consumedPoints > 1 ? Math.max(1, res.msBeforeNext) : 0;
  }

  /**
   * Counts one failure: `retryAfterMs` is how long to wait when it went over the limit, else 0;
   * `remaining` and `resetMs` describe the client's budget (for the RateLimit fields).
   */
  async recordFailure(client: string): Promise<FailureCount> {
    try {
      const res = await this.store.consume(client);
      return { retryAfterMs: 0, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const ms = Math.max(1000, e.msBeforeNext);
      await this.blocked.block(client, Math.ceil(ms / 1000));
      return { retryAfterMs: ms, remaining: 0, resetMs: ms };
    }
  }
}

export interface FailureCount {
  retryAfterMs: number;
  remaining: number;
  resetMs: number;
}

/** A throttle that counts in this process only (the embedded default, tests of the HTTP layer). */
export const inMemoryAuthFailureThrottle = (perMinute: number): AuthFailureThrottle =>
  new AuthFailureThrottle(
    new RateLimiterMemory({
      keyPrefix: 'auth-failures',
      points: perMinute,
      duration: RATE_LIMIT_WINDOW_SECONDS,
    }),
  );

/**
 * The key a client is counted under: its IPv4 address, or the /64 an IPv6 address belongs to (one
 * host usually holds a whole /64, so counting single IPv6 addresses would count nothing).
 */
export function clientKey(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return `unknown`;
  const addr = ipaddr.process(ip);
  if (addr.kind() === 'ipv4') return addr.toString();
  const bytes = addr.toByteArray().slice(0, 8);
  bytes.push(0, 0, 0, 0, 0, 0, 0, 0);
  return `${ipaddr.fromByteArray(bytes).toString()}/64`;
}

/**
 * The 429 for a client over its failed-authentication budget, with the policy's RateLimit fields
 * (set on `res`: other policies the request was counted under stay).
 */
export function tooManyFailures(res: Response, throttle: AuthFailureThrottle, ms: number): ProblemError {
  const seconds = secondsUntil(ms);
  noteRateLimit(res, authFailurePolicy(throttle.limit), { remaining: 0, resetMs: ms });
  return new ProblemError(
    429,
    'Too many failed authentications',
    `too many failed authentication attempts from this address; retry in ${seconds} s`,
    {},
    { 'Retry-After': String(seconds) },
  );
}

/** A wrong credential was counted: its answer tells the client the failed-authentication budget left. */
export function noteFailure(res: Response, throttle: AuthFailureThrottle, count: FailureCount): void {
  noteRateLimit(res, authFailurePolicy(throttle.limit), count);
}

/** Requests per API key (or per client address without one). Per replica: N replicas allow N × this. */
export function requestLimiter(perMinute: number): RateLimiterMemory {
  return new RateLimiterMemory({
    keyPrefix: 'requests',
    points: perMinute,
    duration: RATE_LIMIT_WINDOW_SECONDS,
  });
}
