import {
  approvalQueueAge,
  deliverySuccessByChannel,
  formatRate,
  formatWait,
  moneyTick,
  payoutVolumePerDay,
  pickCurrency,
  statusMix,
} from './chart-data';
import type { FeedEntry, PaymentRow } from './dashboard-state';

const row = (id: string, over: Partial<PaymentRow>): PaymentRow =>
  ({
    id,
    partnerId: 'p',
    currency: 'USD',
    totalMinor: 100,
    status: 'COMPLETED',
    version: 1,
    createdAt: '2026-03-01T10:00:00Z',
    updatedAt: '2026-03-01T10:00:00Z',
    lines: [],
    createdBy: null,
    approvedBy: null,
    decidedBy: null,
    ...over,
  }) as PaymentRow;

describe('chart data', () => {
  it('sums paid payouts per day and currency, never across currencies', () => {
    const v = payoutVolumePerDay({
      a: row('a', { totalMinor: 100 }),
      b: row('b', { totalMinor: 250, updatedAt: '2026-03-01T23:59:59Z' }),
      c: row('c', { totalMinor: 500, currency: 'JPY', updatedAt: '2026-03-02T01:00:00Z' }),
      d: row('d', { totalMinor: 9_999, status: 'FAILED' }),
    });
    expect(v).toEqual({
      days: ['2026-03-01', '2026-03-02'],
      series: [
        { currency: 'JPY', minor: [0, 500] },
        { currency: 'USD', minor: [350, 0] },
      ],
    });
  });

  it('buckets the approval queue by age and names the oldest wait', () => {
    const now = new Date('2026-03-02T12:00:00Z');
    const q = approvalQueueAge(
      {
        a: row('a', { status: 'AWAITING_APPROVAL', createdAt: '2026-03-02T11:30:00Z' }),
        b: row('b', { status: 'AWAITING_APPROVAL', createdAt: '2026-03-02T09:00:00Z' }),
        c: row('c', { status: 'AWAITING_APPROVAL', createdAt: '2026-03-01T00:00:00Z' }),
        d: row('d', { status: 'COMPLETED', createdAt: '2026-01-01T00:00:00Z' }),
      },
      now,
    );
    expect(q.counts).toEqual([1, 1, 0, 1]);
    expect(q.oldestMs).toBe(36 * 3_600_000);
  });

  it('rates deliveries per channel from sent and failed events only', () => {
    const ev = (position: number, type: string, channel: string): FeedEntry =>
      ({ position, event: { type, data: { channel }, occurredAt: '' } }) as unknown as FeedEntry;
    expect(
      deliverySuccessByChannel({
        p1: [ev(1, 'NotificationCreated', 'WEBHOOK'), ev(2, 'NotificationFailed', 'WEBHOOK')],
        p2: [ev(3, 'NotificationSent', 'WEBHOOK'), ev(4, 'NotificationSent', 'EMAIL')],
      }),
    ).toEqual([
      { channel: 'EMAIL', sent: 1, failed: 0, rate: 1 },
      { channel: 'WEBHOOK', sent: 1, failed: 1, rate: 0.5 },
    ]);
  });

  it('counts statuses in the filter’s order, unknown ones last, empty ones left out', () => {
    expect(
      statusMix({
        a: row('a', { status: 'FAILED' }),
        b: row('b', { status: 'COMPLETED' }),
        c: row('c', { status: 'COMPLETED' }),
        d: row('d', { status: 'ON_HOLD' }),
        e: row('e', { status: 'AWAITING_APPROVAL' }),
      }),
    ).toEqual([
      { status: 'AWAITING_APPROVAL', count: 1 },
      { status: 'COMPLETED', count: 2 },
      { status: 'FAILED', count: 1 },
      { status: 'ON_HOLD', count: 1 },
    ]);
  });

  it('keeps the picked currency while it has volume, else falls back to the first', () => {
    expect(pickCurrency(['EUR', 'USD'], 'USD')).toBe('USD');
    expect(pickCurrency(['EUR', 'USD'], 'JPY')).toBe('EUR');
    expect(pickCurrency([], 'USD')).toBe('');
  });

  it('labels volume ticks as money in minor units, and leaves fractional ticks blank', () => {
    expect(moneyTick(15_005, 'USD', 'en-US')).toBe('$150.05');
    expect(moneyTick(1_500, 'JPY', 'en-US')).toBe('¥1,500');
    expect(moneyTick('250', 'EUR', 'en-US')).toBe('€2.50');
    expect(moneyTick(0.5, 'USD', 'en-US')).toBe('');
    expect(moneyTick(-1, 'USD', 'en-US')).toBe('');
  });

  it('says how long the oldest approval has waited, to the minute', () => {
    expect(formatWait(59_000)).toBe('under a minute');
    expect(formatWait(90 * 60_000)).toBe('1 h 30 min');
    expect(formatWait(36 * 3_600_000)).toBe('1 d 12 h');
  });

  it('rounds success rates down, so one failure never reads as 100 %', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(1, 'en-US')).toBe('100%');
    expect(formatRate(0.999, 'en-US')).toBe('99%');
    expect(formatRate(0.5, 'en-US')).toBe('50%');
    expect(formatRate(0.29, 'en-US')).toBe('29%');
  });
});
