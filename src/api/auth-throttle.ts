import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ProblemError } from '../shared/http/problem';

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
  private readonly blocked = new RateLimiterMemory({ keyPrefix: 'auth-blocked', points: 1, duration: 60 });

  constructor(private readonly store: RateLimiterAbstract) {}

  /** Milliseconds this client must wait before presenting a credential again; 0 when it may. No I/O. */
  async retryAfterMs(client: string): Promise<number> {
    const res = await this.blocked.get(client);
    return res && res.consumedPoints > 1 ? Math.max(1, res.msBeforeNext) : 0;
  }

  /** Counts one failure; resolves to the milliseconds to wait when it went over the limit, else 0. */
  async recordFailure(client: string): Promise<number> {
    try {
      await this.store.consume(client);
      return 0;
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const ms = Math.max(1000, e.msBeforeNext);
      await this.blocked.block(client, Math.ceil(ms / 1000));
      return ms;
    }
  }
}

/** A throttle that counts in this process only (the embedded default, tests of the HTTP layer). */
export const inMemoryAuthFailureThrottle = (perMinute: number): AuthFailureThrottle =>
  new AuthFailureThrottle(
    new RateLimiterMemory({ keyPrefix: 'auth-failures', points: perMinute, duration: 60 }),
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

export function tooManyFailures(ms: number): ProblemError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new ProblemError(
    429,
    'Too many failed authentications',
    `too many failed authentication attempts from this address; retry in ${seconds} s`,
    {},
    { 'Retry-After': String(seconds) },
  );
}

/** Requests per API key (or per client address without one). Per replica: N replicas allow N × this. */
export function requestLimiter(perMinute: number): RateLimiterMemory {
  return new RateLimiterMemory({ keyPrefix: 'requests', points: perMinute, duration: 60 });
}
