/** One payout of a settlement run, as its payment workflow is started with. */
export interface SettlementPayoutStart {
  settlementId: string;
  paymentId: string;
  partnerId: string;
  currency: string;
  /** The net the run planned: the payment fails loudly if its claimed lines no longer sum to it. */
  plannedNetMinor: number;
  startedBy: string;
}

/**
 * Starts a settlement payout's payment workflow under its deterministic id. Idempotent: a payout
 * already started (by an earlier attempt, or a resumed run) counts as started.
 */
export interface SettlementPayoutStarter {
  start(payout: SettlementPayoutStart): Promise<void>;
  /**
   * Whether the run that asked for the starts is still the run's live workflow: one that was
   * terminated (and perhaps started again) must not go on starting payouts an operator may be
   * releasing, or that the new run's own starter starts.
   */
  isLiveRun(settlementId: string, runId: string): Promise<boolean>;
}
