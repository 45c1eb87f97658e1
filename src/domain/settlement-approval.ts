import { DomainError, ErrorCodes } from './domain-error';

/**
 * When a settlement run is approved as a whole before any payout starts, and who may approve it.
 * A run approved as a whole does not ask again for each of its payouts.
 */
export interface RunApprovalPolicy {
  /**
   * SETTLEMENT_APPROVAL_THRESHOLDS: currency → the largest total (minor units, decimal string) a run
   * pays in that currency without a second person. Empty: no run waits for its total. Once any is
   * set, a currency not listed always waits (fails closed, as payment thresholds do).
   */
  thresholds: Readonly<Record<string, string>>;
  /** SETTLEMENT_APPROVAL_SCHEDULED: every scheduled run waits, whatever its total. */
  scheduledRuns: boolean;
  /** SETTLEMENT_APPROVAL_TIMEOUT: undecided for this long, the run is released (its commissions PAYABLE). */
  timeoutMs: number;
}

/** AWAITING until a second operator decides; EXPIRED when nobody did in time. */
export type RunApprovalStatus = 'AWAITING' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

export type RunDecisionAction = 'approve' | 'reject';

/** A run's approval as recorded with it. */
export interface RunApproval {
  status: RunApprovalStatus;
  /** Why it waits: one line per currency over its threshold, or the scheduled-run rule. */
  reasons: string[];
  /** ISO time after which an undecided run is released. */
  deadline: string;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The operator's reason (a rejection's), or `approval_timeout`. */
  reason: string | null;
}

/**
 * Why a planned run must wait for a second person: empty when it need not. `totals` is the plan's
 * per-currency payout sum (decimal strings, exact); a run that pays nothing never waits.
 */
export function runApprovalReasons(
  totals: Readonly<Record<string, { payoutCount: number; payoutMinor: string }>>,
  policy: RunApprovalPolicy | undefined,
  trigger: 'manual' | 'schedule',
): string[] {
  if (!policy) return [];
  const paying = Object.entries(totals).filter(([, t]) => t.payoutCount > 0);
  if (paying.length === 0) return [];
  const reasons: string[] = [];
  if (policy.scheduledRuns && trigger === 'schedule')
    reasons.push('every scheduled run is approved as a whole');
  const thresholds = policy.thresholds;
  if (Object.keys(thresholds).length === 0) return reasons;
  for (const [currency, t] of paying) {
    const threshold = Object.hasOwn(thresholds, currency) ? thresholds[currency] : undefined;
    if (threshold === undefined) {
      reasons.push(`${currency}: no threshold is configured, so its total ${t.payoutMinor} needs approval`);
    } else if (BigInt(t.payoutMinor) > BigInt(threshold)) {
      reasons.push(`${currency}: total ${t.payoutMinor} is above the threshold ${threshold}`);
    }
  }
  return reasons;
}

/** What a decision turns an awaiting run's approval into. */
export function decideRunApproval(
  approval: RunApproval | null | undefined,
  run: { id: string; startedBy: string },
  decision: { action: RunDecisionAction; actor: string; reason: string | null; at: Date },
): RunApproval {
  if (!approval || approval.status !== 'AWAITING') {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_NOT_AWAITING_APPROVAL,
      approval
        ? `the run ${run.id} is not awaiting approval: it was ${approval.status.toLowerCase()}${approval.decidedBy ? ` by ${approval.decidedBy}` : ''}`
        : `the run ${run.id} does not need approval`,
    );
  }
  // Four eyes: whoever started a run cannot approve or reject it (a scheduled run's starter is
  // the Schedule, so any operator may).
  if (decision.actor === run.startedBy) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_FOUR_EYES_VIOLATION,
      `${decision.actor} started the run ${run.id}: a second operator decides it`,
    );
  }
  return {
    ...approval,
    status: decision.action === 'approve' ? 'APPROVED' : 'REJECTED',
    decidedBy: decision.actor,
    decidedAt: decision.at.toISOString(),
    reason: decision.reason,
  };
}

/** Nobody decided in time: the run expires (its commissions go back). A decided run stays as it is. */
export function expireRunApproval(approval: RunApproval, at: Date): RunApproval {
  if (approval.status !== 'AWAITING') return approval;
  return {
    ...approval,
    status: 'EXPIRED',
    decidedBy: 'system',
    decidedAt: at.toISOString(),
    reason: 'approval_timeout',
  };
}
