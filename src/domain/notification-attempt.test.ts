import { ATTEMPT_EXCERPT_MAX_LENGTH, notificationAttempt } from './notification-attempt';

const base = {
  notificationId: 'n-1',
  partnerId: 'p-1',
  channel: 'WEBHOOK' as const,
  deliveryKey: 'n-1:0',
  startedAt: new Date('2030-01-01T00:00:00Z'),
  durationMs: 12.6,
};

describe('notificationAttempt', () => {
  it('succeeded without an error, failed with one; latency in whole milliseconds', () => {
    expect(notificationAttempt({ ...base, httpStatus: 204, responseExcerpt: '' })).toMatchObject({
      outcome: 'SUCCEEDED',
      httpStatus: 204,
      durationMs: 13,
      error: null,
      startedAt: '2030-01-01T00:00:00.000Z',
    });
    expect(notificationAttempt({ ...base, error: 'webhook receiver answered HTTP 503' })).toMatchObject({
      outcome: 'FAILED',
      httpStatus: null,
      responseExcerpt: null,
    });
  });

  it('bounds the excerpt and strips control characters PostgreSQL text would refuse', () => {
    const a = notificationAttempt({ ...base, responseExcerpt: `a\u0000b${'x'.repeat(5_000)}` });
    expect(a.responseExcerpt!.length).toBe(ATTEMPT_EXCERPT_MAX_LENGTH);
    expect(a.responseExcerpt).not.toContain('\u0000');
    expect(a.responseExcerpt!.endsWith('…')).toBe(true);
  });
});
