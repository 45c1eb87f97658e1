import { DomainError } from './domain-error';
import {
  decideRunApproval,
  expireRunApproval,
  runApprovalReasons,
  type RunApproval,
  type RunApprovalPolicy,
} from './settlement-approval';

const policy = (over: Partial<RunApprovalPolicy> = {}): RunApprovalPolicy => ({
  thresholds: { EUR: '100000', JPY: '500000' },
  scheduledRuns: false,
  timeoutMs: 3_600_000,
  ...over,
});
const totals = (t: Record<string, [number, string]>) =>
  Object.fromEntries(
    Object.entries(t).map(([c, [n, sum]]) => [c, { payoutCount: n, payoutMinor: sum, skippedCount: 0 }]),
  );

describe('runApprovalReasons', () => {
  it('asks for a second operator only when a currency total is above its threshold', () => {
    expect(runApprovalReasons(totals({ EUR: [3, '100000'] }), policy(), 'manual')).toEqual([]);
    expect(runApprovalReasons(totals({ EUR: [3, '100001'] }), policy(), 'manual')).toEqual([
      'EUR: total 100001 is above the threshold 100000',
    ]);
  });

  it('compares exactly, beyond what a JS number holds', () => {
    const huge = policy({ thresholds: { EUR: '9007199254740993' } });
    expect(runApprovalReasons(totals({ EUR: [1, '9007199254740993'] }), huge, 'manual')).toEqual([]);
    expect(runApprovalReasons(totals({ EUR: [1, '9007199254740994'] }), huge, 'manual')).toHaveLength(1);
  });

  it('fails closed for a currency with no threshold once any is configured', () => {
    expect(runApprovalReasons(totals({ KWD: [1, '1'] }), policy(), 'manual')[0]).toMatch(/KWD: no threshold/);
  });

  it('never waits without a policy, without thresholds, or for a run that pays nothing', () => {
    expect(runApprovalReasons(totals({ EUR: [1, '999999999'] }), undefined, 'manual')).toEqual([]);
    expect(
      runApprovalReasons(totals({ EUR: [1, '999999999'] }), policy({ thresholds: {} }), 'manual'),
    ).toEqual([]);
    expect(
      runApprovalReasons(totals({ EUR: [0, '0'] }), policy({ scheduledRuns: true }), 'schedule'),
    ).toEqual([]);
  });

  it('makes every scheduled run wait when configured, not manual ones', () => {
    const p = policy({ thresholds: {}, scheduledRuns: true });
    expect(runApprovalReasons(totals({ EUR: [1, '5'] }), p, 'schedule')).toEqual([
      'every scheduled run is approved as a whole',
    ]);
    expect(runApprovalReasons(totals({ EUR: [1, '5'] }), p, 'manual')).toEqual([]);
  });
});

describe('deciding a run', () => {
  const awaiting: RunApproval = {
    status: 'AWAITING',
    reasons: ['EUR: total 2 is above the threshold 1'],
    deadline: '2026-12-09T00:00:00.000Z',
    decidedBy: null,
    decidedAt: null,
    reason: null,
  };
  const run = { id: 'settlement:2026-11-30', startedBy: 'alice' };
  const at = new Date('2026-12-06T10:00:00.000Z');
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof DomainError ? e.code : 'not a domain error';
    }
    return undefined;
  };

  it('lets a second operator approve or reject, recording who and why', () => {
    expect(
      decideRunApproval(awaiting, run, { action: 'approve', actor: 'bob', reason: null, at }),
    ).toMatchObject({
      status: 'APPROVED',
      decidedBy: 'bob',
      decidedAt: at.toISOString(),
    });
    expect(
      decideRunApproval(awaiting, run, { action: 'reject', actor: 'bob', reason: 'totals look wrong', at }),
    ).toMatchObject({ status: 'REJECTED', reason: 'totals look wrong' });
  });

  it('refuses the run’s own starter (four eyes)', () => {
    expect(
      codeOf(() => decideRunApproval(awaiting, run, { action: 'approve', actor: 'alice', reason: null, at })),
    ).toBe('SETTLEMENT.FOUR_EYES_VIOLATION');
  });

  it('refuses a decision on a run that is not awaiting one', () => {
    const approved = { ...awaiting, status: 'APPROVED' as const, decidedBy: 'bob' };
    for (const a of [approved, null]) {
      expect(
        codeOf(() => decideRunApproval(a, run, { action: 'reject', actor: 'carol', reason: 'x', at })),
      ).toBe('SETTLEMENT.NOT_AWAITING_APPROVAL');
    }
  });

  it('expires only an undecided run', () => {
    expect(expireRunApproval(awaiting, at)).toMatchObject({ status: 'EXPIRED', reason: 'approval_timeout' });
    const approved = { ...awaiting, status: 'APPROVED' as const, decidedBy: 'bob' };
    expect(expireRunApproval(approved, at)).toBe(approved);
  });
});
