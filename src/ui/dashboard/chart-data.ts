import { PAYMENT_STATUSES, type FeedEntry, type PaymentRow } from './dashboard-state';
import { formatMinor } from './money-format';

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

/**
 * How many payments are in each status, in the status filter's order (unknown statuses after,
 * so a status added on the server still shows); statuses nobody is in are left out of the chart.
 */
export function statusMix(
  payments: Readonly<Record<string, PaymentRow>>,
): Array<{ status: string; count: number }> {
  const counts = new Map<string, number>();
  for (const p of Object.values(payments)) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  const known: readonly string[] = PAYMENT_STATUSES;
  const order = [...known, ...[...counts.keys()].filter((s) => !known.includes(s)).sort()];
  return order.filter((s) => counts.has(s)).map((status) => ({ status, count: counts.get(status)! }));
}

/** The currency the volume chart shows: the one asked for while it has volume, else the first. */
export function pickCurrency(currencies: readonly string[], wanted: string): string {
  return currencies.includes(wanted) ? wanted : (currencies[0] ?? '');
}

/**
 * An axis tick of the volume chart as money. The scale is told to step by whole minor units, but a
 * tick can still land between two when the range is tiny: those are left unlabelled rather than
 * rounded into a figure that was never paid.
 */
export function moneyTick(value: number | string, currency: string, locale?: string): string {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? formatMinor(n, currency, locale) : '';
}

/** `5_400_000` → `1 h 30 min`: the oldest approval wait, to the minute (seconds would only flicker). */
export function formatWait(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1_440);
  const hours = Math.floor((minutes % 1_440) / 60);
  const rest = minutes % 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', rest ? `${rest} min` : ''];
  return parts.filter(Boolean).join(' ');
}

/**
 * A success rate as a whole percentage, rounded down so one failure among many never reads 100 %;
 * `null` (nothing delivered or failed yet) reads as a dash.
 */
export function formatRate(rate: number | null, locale?: string): string {
  if (rate === null) return '—';
  const floored = Math.floor(rate * 100 + 1e-9) / 100;
  return new Intl.NumberFormat(locale ?? 'en-US', { style: 'percent', maximumFractionDigits: 0 }).format(
    floored,
  );
}
