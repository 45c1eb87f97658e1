import { DomainError } from './domain-error';
import type { ExceptionDraft, ExceptionKind } from './statement-matching';

export const EXCEPTION_STATUSES = ['OPEN', 'AWAITING_SECOND_APPROVAL', 'RESOLVED'] as const;
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];
export const EXCEPTION_RESOLUTIONS = ['EXPLAINED', 'WRITE_OFF'] as const;
export type ExceptionResolution = (typeof EXCEPTION_RESOLUTIONS)[number];

export const ReconciliationErrorCodes = {
  EXCEPTION_NOT_FOUND: 'RECONCILIATION.EXCEPTION_NOT_FOUND',
  ALREADY_RESOLVED: 'RECONCILIATION.ALREADY_RESOLVED',
  FOUR_EYES_VIOLATION: 'RECONCILIATION.FOUR_EYES_VIOLATION',
  REASON_REQUIRED: 'RECONCILIATION.REASON_REQUIRED',
  RESOLUTION_MISMATCH: 'RECONCILIATION.RESOLUTION_MISMATCH',
} as const;

export interface ReconciliationExceptionSnapshot extends Omit<ExceptionDraft, 'key'> {
  id: number;
  key: string;
  status: ExceptionStatus;
  resolution: ExceptionResolution | null;
  reason: string | null;
  proposedBy: string | null;
  resolvedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
  version: number;
}

export type ResolveOutcome = 'RESOLVED' | 'AWAITING_SECOND_APPROVAL';

/**
 * What writing an exception off gives up: the gap between what the bank wrote and what we expected
 * (the whole of either when the other is missing). The four-eyes limit applies to this; the
 * dashboard tells it before an operator submits.
 */
export function writeOffGapMinor(amountMinor: bigint | null, expectedMinor: bigint | null): bigint {
  const gap = amountMinor === null ? (expectedMinor ?? 0n) : amountMinor - (expectedMinor ?? 0n);
  return gap < 0n ? -gap : gap;
}

/**
 * Something the bank's statement and our books disagree on, worked by an operator: resolved with a
 * reason, never deleted. A write-off above the threshold takes two operators — the first proposes
 * it, a different one confirms it — so nobody makes money disappear alone.
 */
export class ReconciliationException {
  private constructor(private state: ReconciliationExceptionSnapshot) {}

  static fromSnapshot(s: ReconciliationExceptionSnapshot): ReconciliationException {
    return new ReconciliationException({ ...s });
  }

  get id(): number {
    return this.state.id;
  }
  get kind(): ExceptionKind {
    return this.state.kind;
  }
  get status(): ExceptionStatus {
    return this.state.status;
  }

  /** What a write-off gives up: the gap between what the bank wrote and what we expected. */
  writeOffMinor(): bigint {
    return writeOffGapMinor(this.state.amountMinor, this.state.expectedMinor);
  }

  resolve(props: {
    actor: string;
    resolution: ExceptionResolution;
    reason: string;
    fourEyesAboveMinor: bigint;
    now: Date;
  }): ResolveOutcome {
    const reason = props.reason.trim();
    if (reason.length < 3)
      throw new DomainError(ReconciliationErrorCodes.REASON_REQUIRED, 'a resolution needs a reason');
    const s = this.state;
    if (s.status === 'RESOLVED')
      throw new DomainError(
        ReconciliationErrorCodes.ALREADY_RESOLVED,
        `exception ${s.id} was resolved by ${s.resolvedBy ?? 'someone'} (${s.resolution ?? ''})`,
      );
    const needsTwo = props.resolution === 'WRITE_OFF' && this.writeOffMinor() > props.fourEyesAboveMinor;
    if (s.status === 'AWAITING_SECOND_APPROVAL') {
      if (props.resolution !== s.resolution)
        throw new DomainError(
          ReconciliationErrorCodes.RESOLUTION_MISMATCH,
          `exception ${s.id} awaits a second approval of ${s.resolution}: confirm that, or leave it`,
        );
      if (props.actor === s.proposedBy)
        throw new DomainError(
          ReconciliationErrorCodes.FOUR_EYES_VIOLATION,
          `${props.actor} proposed this write-off: another operator must confirm it`,
        );
      this.finish(props.actor, reason, props.now);
      return 'RESOLVED';
    }
    if (needsTwo) {
      this.state = {
        ...s,
        status: 'AWAITING_SECOND_APPROVAL',
        resolution: props.resolution,
        reason,
        proposedBy: props.actor,
        version: s.version + 1,
      };
      return 'AWAITING_SECOND_APPROVAL';
    }
    this.state = { ...s, resolution: props.resolution, proposedBy: props.actor };
    this.finish(props.actor, reason, props.now);
    return 'RESOLVED';
  }

  private finish(actor: string, reason: string, now: Date): void {
    const s = this.state;
    // The second operator's reason joins the first's: both are the record.
    const joined =
      s.reason && s.reason !== reason && s.status !== 'OPEN' ? `${s.reason} / ${reason}` : reason;
    this.state = {
      ...s,
      status: 'RESOLVED',
      reason: joined,
      resolvedBy: actor,
      resolvedAt: now.toISOString(),
      version: s.version + 1,
    };
  }

  toSnapshot(): ReconciliationExceptionSnapshot {
    return { ...this.state };
  }
}
