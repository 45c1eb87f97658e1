import type { Response } from 'express';

/**
 * The rate limits the API enforces, told to clients in the IETF fields of
 * draft-ietf-httpapi-ratelimit-headers (structured-field lists, one item per policy):
 *   RateLimit-Policy: "default";q=600;w=60
 *   RateLimit: "default";r=599;t=42
 * and `Retry-After` (seconds) on a 429. Every answer past authentication carries the policy its
 * request was counted under; an answer to a wrong credential carries the failed-authentication one.
 */

/** Both limits count in fixed one-minute windows per key (rate-limiter-flexible's `duration`). */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

export interface RateLimitPolicy {
  /** The policy's name in both fields. */
  name: string;
  /** Requests (or failures) allowed per window. */
  quota: number;
  windowSeconds: number;
}

/** Requests per minute per API key, or per client address without one (RATE_LIMIT_PER_MINUTE). */
export const requestPolicy = (quota: number): RateLimitPolicy => ({
  name: 'default',
  quota,
  windowSeconds: RATE_LIMIT_WINDOW_SECONDS,
});

/** Failed authentications per client address (AUTH_FAILURES_PER_MINUTE). */
export const authFailurePolicy = (quota: number): RateLimitPolicy => ({
  name: 'auth-failures',
  quota,
  windowSeconds: RATE_LIMIT_WINDOW_SECONDS,
});

/** Whole seconds until `ms` have passed, at least 1: what `t` and `Retry-After` say. */
export const secondsUntil = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Replaces the item of the same policy in a list field, or appends it. */
function withItem(field: string | undefined, name: string, item: string): string {
  const others = (field ?? '').split(/,\s*/).filter((i) => i !== '' && !i.startsWith(`"${name}";`));
  return [...others, item].join(', ');
}

/** Sets this policy's items of `RateLimit-Policy` and `RateLimit`, keeping any other policy's. */
export function noteRateLimit(
  res: Response,
  policy: RateLimitPolicy,
  state: { remaining: number; resetMs: number },
): void {
  const remaining = Math.max(0, Math.floor(state.remaining));
  res.set(
    'RateLimit-Policy',
    withItem(
      res.get('RateLimit-Policy'),
      policy.name,
      `"${policy.name}";q=${policy.quota};w=${policy.windowSeconds}`,
    ),
  );
  res.set(
    'RateLimit',
    withItem(
      res.get('RateLimit'),
      policy.name,
      `"${policy.name}";r=${remaining};t=${secondsUntil(state.resetMs)}`,
    ),
  );
}

const policyItems = (params: string): string => {
  const item = `"[a-z-]+";${params}`;
  return `^${item}(, ${item})*$`;
};

/** The fields as reusable OpenAPI response headers (`#/components/headers/...`). */
export const RATE_LIMIT_HEADER_OBJECTS = {
  'RateLimit-Policy': {
    description:
      'The quota the request was counted under (draft-ietf-httpapi-ratelimit-headers): `"default"` is ' +
      'RATE_LIMIT_PER_MINUTE requests per API key (per client address without one) and replica, in ' +
      'one-minute windows; `"auth-failures"` is AUTH_FAILURES_PER_MINUTE failed authentications per client ' +
      'address, on answers to a wrong credential.',
    required: true,
    schema: {
      type: 'string' as const,
      maxLength: 200,
      pattern: policyItems('q=\\d+;w=\\d+'),
      example: '"default";q=600;w=60',
    },
  },
  RateLimit: {
    description:
      'What is left of each quota in `RateLimit-Policy`: `r` requests remaining, `t` seconds until the ' +
      'window resets.',
    required: true,
    schema: {
      type: 'string' as const,
      maxLength: 200,
      pattern: policyItems('r=\\d+;t=\\d+'),
      example: '"default";r=599;t=42',
    },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    required: true,
    schema: {
      type: 'integer' as const,
      format: 'int32',
      minimum: 1,
      maximum: RATE_LIMIT_WINDOW_SECONDS,
    },
  },
};
