import type { Money } from './money.value-object';

/** Currency code → threshold in minor units. */
export type ApprovalThresholds = Readonly<Record<string, number>>;

/**
 * Whether a payment needs a second person's approval before it is paid out.
 * Fails closed: a currency without a (valid) threshold always requires approval, because a
 * missing or broken configuration must never let large payouts through unreviewed.
 */
export function requiresApproval(total: Money, thresholds: ApprovalThresholds): boolean {
  if (!Object.hasOwn(thresholds, total.currency)) return true;
  const threshold = thresholds[total.currency];
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 0) return true;
  return total.amountMinor > threshold;
}
