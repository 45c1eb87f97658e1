import type { Request, Response } from 'express';
import { clientKey, inMemoryAuthFailureThrottle, requestLimiter } from './auth-throttle';
import { rateLimit } from './security.middleware';
import { redactUrl } from './url-redaction';

describe('failed-authentication throttle', () => {
  it('lets N failures through as failures, refuses the next with a wait, then blocks the address', async () => {
    const throttle = inMemoryAuthFailureThrottle(3);
    const counts = [];
    for (let i = 0; i < 4; i += 1) counts.push(await throttle.recordFailure('203.0.113.7'));
    expect(counts.map((c) => c.retryAfterMs).slice(0, 3)).toEqual([0, 0, 0]);
    // What the RateLimit field tells the client: the failures it has left.
    expect(counts.map((c) => c.remaining)).toEqual([2, 1, 0, 0]);
    expect(counts[3]!.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(counts[3]!.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await throttle.retryAfterMs('203.0.113.7')).toBeGreaterThan(0);
    // Per address: nobody else is affected.
    expect(await throttle.retryAfterMs('203.0.113.8')).toBe(0);
    expect((await throttle.recordFailure('203.0.113.8')).retryAfterMs).toBe(0);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::9'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(clientKey(undefined)).toBe('unknown');
  });
});

describe('URL redaction of the codec link token', () => {
  it.each([
    ['/codec/ui/s3cr3t-token/decode', '/codec/ui/[redacted]/decode'],
    ['/CODEC/UI/s3cr3t-token/decode?x=1', '/CODEC/UI/[redacted]/decode?x=1'],
    ['/codec/ui/s3cr3t-token', '/codec/ui/[redacted]'],
    ['/payments/123', '/payments/123'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

/** Just enough of express's Response for the middleware: locals and header get/set. */
const fakeResponse = () => {
  const headers = new Map<string, string>();
  return {
    locals: {},
    headers,
    get: (name: string) => headers.get(name.toLowerCase()),
    set(name: string, value: string) {
      headers.set(name.toLowerCase(), value);
      return this;
    },
  };
};

describe('request rate limit per key', () => {
  const call = (limit: ReturnType<typeof rateLimit>, ip: string, res = fakeResponse()) =>
    new Promise<unknown>((resolve) => {
      void limit({ ip } as Request, res as unknown as Response, resolve);
    });

  it('tells every answer its quota and what is left of it (RateLimit-Policy, RateLimit)', async () => {
    const limit = rateLimit(requestLimiter(2));
    const first = fakeResponse();
    expect(await call(limit, '10.0.0.9', first)).toBeUndefined();
    expect(first.get('RateLimit-Policy')).toBe('"default";q=2;w=60');
    expect(first.get('RateLimit')).toMatch(/^"default";r=1;t=(60|59)$/);
    await call(limit, '10.0.0.9');
    const refused = fakeResponse();
    expect(await call(limit, '10.0.0.9', refused)).toMatchObject({
      status: 429,
      headers: { 'Retry-After': expect.stringMatching(/^\d+$/) },
    });
    expect(refused.get('RateLimit')).toMatch(/^"default";r=0;t=\d+$/);
  });

  it('keeps another policy’s item when it sets its own', async () => {
    const res = fakeResponse();
    res.set('RateLimit-Policy', '"auth-failures";q=20;w=60');
    res.set('RateLimit', '"auth-failures";r=19;t=60');
    await call(rateLimit(requestLimiter(5)), '10.0.0.10', res);
    expect(res.get('RateLimit-Policy')).toBe('"auth-failures";q=20;w=60, "default";q=5;w=60');
    expect(res.get('RateLimit')).toMatch(/^"auth-failures";r=19;t=60, "default";r=4;t=\d+$/);
  });

  it('never forgets a spent budget because many other clients came (no clearing of every bucket at once)', async () => {
    const limit = rateLimit(requestLimiter(2));
    expect(await call(limit, '10.0.0.1')).toBeUndefined();
    expect(await call(limit, '10.0.0.1')).toBeUndefined();
    expect(await call(limit, '10.0.0.1')).toMatchObject({
      status: 429,
      headers: { 'Retry-After': expect.any(String) },
    });
    // The limiter this replaced dropped every bucket once it held 100,000 clients.
    for (let i = 0; i < 100_050; i += 1)
      await call(limit, `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(await call(limit, '10.0.0.1')).toMatchObject({ status: 429 });
  }, 60_000);
});
