import { isOrphaned } from './payment-orphan';

describe('orphaned payments', () => {
  it('are payments still under way whose workflow has ended', () => {
    for (const status of ['PENDING', 'AWAITING_APPROVAL', 'PROCESSING', 'PAYOUT_UNKNOWN'] as const) {
      expect(isOrphaned(status, 'FAILED')).toBe(true);
      expect(isOrphaned(status, 'TERMINATED')).toBe(true);
      expect(isOrphaned(status, 'COMPLETED')).toBe(true);
      expect(isOrphaned(status, 'NOT_FOUND')).toBe(true);
      expect(isOrphaned(status, 'RUNNING')).toBe(false);
    }
  });

  it('include a completed payment whose refund window was cut short, not one that ran its course', () => {
    expect(isOrphaned('COMPLETED', 'TERMINATED')).toBe(true);
    expect(isOrphaned('COMPLETED', 'FAILED')).toBe(true);
    expect(isOrphaned('COMPLETED', 'COMPLETED')).toBe(false);
    expect(isOrphaned('COMPLETED', 'RUNNING')).toBe(false);
  });

  it('never include a payment that has ended, whatever its workflow did', () => {
    for (const status of ['FAILED', 'REJECTED', 'CANCELLED', 'REFUNDED', 'COMPENSATION_FAILED'] as const) {
      expect(isOrphaned(status, 'TERMINATED')).toBe(false);
    }
  });
});
