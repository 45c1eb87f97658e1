import type { Request, Response } from 'express';
import { clientKey, inMemoryAuthFailureThrottle, requestLimiter } from './auth-throttle';
import { rateLimit } from './security.middleware';
import { redactUrl } from './url-redaction';

describe('failed-authentication throttle', () => {
  it('lets N failures through as failures, refuses the next with a wait, then blocks the address', async () => {
    const throttle = inMemoryAuthFailureThrottle(3);
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) waits.push(await throttle.recordFailure('203.0.113.7'));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThanOrEqual(1000);
    expect(waits[3]).toBeLessThanOrEqual(60_000);
    expect(await throttle.retryAfterMs('203.0.113.7')).toBeGreaterThan(0);
    // Per address: nobody else is affected.
    expect(await throttle.retryAfterMs('203.0.113.8')).toBe(0);
    expect(await throttle.recordFailure('203.0.113.8')).toBe(0);
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

describe('request rate limit per key', () => {
  it('never forgets a spent budget because many other clients came (no clearing of every bucket at once)', async () => {
    const limit = rateLimit(requestLimiter(2));
    const call = (ip: string) =>
      new Promise<unknown>((resolve) => {
        void limit({ ip } as Request, { locals: {} } as Response, resolve);
      });
    expect(await call('10.0.0.1')).toBeUndefined();
    expect(await call('10.0.0.1')).toBeUndefined();
    expect(await call('10.0.0.1')).toMatchObject({
      status: 429,
      headers: { 'Retry-After': expect.any(String) },
    });
    // The limiter this replaced dropped every bucket once it held 100,000 clients.
    for (let i = 0; i < 100_050; i += 1) await call(`11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(await call('10.0.0.1')).toMatchObject({ status: 429 });
  }, 60_000);
});
