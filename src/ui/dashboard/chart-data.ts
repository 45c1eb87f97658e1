import type { FeedEntry, PaymentRow } from './dashboard-state';

/**
 * What the charts plot, computed from the dashboard state the stream keeps current: each new
 * event changes the state, so the charts follow without polling. Pure, so they are unit-tested
 * without a browser or a chart library.
 */

/** Paid out per UTC day, per currency (integer minor units; currencies are never summed together). */
export function payoutVolumePerDay(payments: Readonly<Record<string, PaymentRow>>): {
  days: string[];
  series: Array<{ currency: string; minor: number[] }>;
} {
  const byCurrency = new Map<string, Map<string, number>>();
  const days = new Set<string>();
  for (const p of Object.values(payments)) {
    if (p.status !== 'COMPLETED' && p.status !== 'REFUNDED') continue;
    const day = p.updatedAt.slice(0, 10);
    days.add(day);
    const perDay = byCurrency.get(p.currency) ?? new Map<string, number>();
    perDay.set(day, (perDay.get(day) ?? 0) + p.totalMinor);
    byCurrency.set(p.currency, perDay);
  }
  const sortedDays = [...days].sort();
  return {
    days: sortedDays,
    series: [...byCurrency.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, perDay]) => ({ currency, minor: sortedDays.map((d) => perDay.get(d) ?? 0) })),
  };
}

export const QUEUE_AGE_BUCKETS = ['< 1 h', '1–4 h', '4–24 h', '> 24 h'] as const;

/** How long the payments awaiting approval have waited, bucketed, and the oldest wait. */
export function approvalQueueAge(
  payments: Readonly<Record<string, PaymentRow>>,
  now: Date,
): { counts: number[]; oldestMs: number | null } {
  const counts = QUEUE_AGE_BUCKETS.map(() => 0);
  let oldestMs: number | null = null;
  for (const p of Object.values(payments)) {
    if (p.status !== 'AWAITING_APPROVAL') continue;
    const age = Math.max(0, now.getTime() - Date.parse(p.createdAt));
    const hours = age / 3_600_000;
    counts[hours < 1 ? 0 : hours < 4 ? 1 : hours < 24 ? 2 : 3]! += 1;
    oldestMs = Math.max(oldestMs ?? 0, age);
  }
  return { counts, oldestMs };
}

/**
 * Delivered vs failed notification outcomes per channel, from the streamed notification events
 * (a redelivery that succeeds counts as one more success).
 */
export function deliverySuccessByChannel(
  notifications: Readonly<Record<string, readonly FeedEntry[]>>,
): Array<{ channel: string; sent: number; failed: number; rate: number | null }> {
  const per = new Map<string, { sent: number; failed: number }>();
  for (const entries of Object.values(notifications)) {
    for (const { event } of entries) {
      const channel = typeof event.data.channel === 'string' ? event.data.channel : null;
      if (!channel) continue;
      const c = per.get(channel) ?? { sent: 0, failed: 0 };
      if (event.type === 'NotificationSent') c.sent += 1;
      else if (event.type === 'NotificationFailed') c.failed += 1;
      else continue;
      per.set(channel, c);
    }
  }
  return [...per.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([channel, c]) => ({
      channel,
      ...c,
      rate: c.sent + c.failed ? c.sent / (c.sent + c.failed) : null,
    }));
}
