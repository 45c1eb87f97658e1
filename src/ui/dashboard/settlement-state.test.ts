import { SETTLEMENT_SKIP_REASONS } from '../../domain/settlement-plan';
import type { EventMessage } from '../stream-protocol';
import {
  belowMinimum,
  initialSettlementsState,
  latestSettleableDay,
  progressView,
  selectedRunId,
  settlementsReducer,
  SKIP_REASON_LABELS,
  sortedRuns,
  statementCounts,
  totalsRows,
  type ApiSettlement,
  type SettlementList,
  type SettlementsState,
} from './settlement-state';

const ID = 'settlement:2026-03-31';
const OLDER = 'settlement:2026-02-28';

function settlementEvent(
  position: number,
  type: string,
  data: Record<string, unknown>,
  id = ID,
): EventMessage {
  return {
    type: 'event',
    position,
    event: {
      id: `e${position}`,
      type,
      occurredAt: new Date(Date.UTC(2026, 3, 1, 2, 0, position)).toISOString(),
      aggregate: { type: 'Settlement', id },
      partnerId: null,
      data: { settlementId: id, periodEnd: id.slice(11, 21), currency: null, skippedCount: 2, ...data },
      workflowId: id,
      runId: 'run-1',
    },
  };
}

const started = (position: number, itemCount = 30, id = ID) =>
  settlementEvent(position, 'SettlementStarted', { itemCount, trigger: 'manual', startedBy: 'alice' }, id);
const progressed = (position: number, finishedCount: number, byStatus: Record<string, number> = {}) =>
  settlementEvent(position, 'SettlementProgress', { itemCount: 30, finishedCount, byStatus });
const completed = (position: number) =>
  settlementEvent(position, 'SettlementCompleted', {
    itemCount: 30,
    finishedCount: 30,
    byStatus: { COMPLETED: 29, FAILED: 1 },
  });

const events = (state: SettlementsState, ...messages: EventMessage[]) =>
  settlementsReducer(state, { type: 'events', messages });

/** A run as `GET /settlements` lists it. */
const summary = (over: Partial<SettlementList['items'][number]> = {}): SettlementList['items'][number] => ({
  id: ID,
  periodEnd: '2026-03-31',
  currency: null,
  status: 'RUNNING',
  trigger: 'manual',
  startedBy: 'alice',
  itemCount: 30,
  skippedCount: 2,
  createdAt: '2026-04-01T02:00:00.000Z',
  updatedAt: '2026-04-01T02:00:00.000Z',
  completedAt: null,
  approval: null,
  stopped: false,
  ...over,
});

const snapshot = (over: Partial<ApiSettlement> = {}): ApiSettlement => ({
  ...summary(),
  finishedCount: 10,
  totals: {
    USD: {
      planned: { count: 30, amountMinor: '225000' },
      skipped: { count: 2, amountMinor: '1500' },
      byStatus: {
        COMPLETED: { count: 10, amountMinor: '75000' },
        PROCESSING: { count: 3, amountMinor: '22500' },
        PENDING: { count: 17, amountMinor: '127500' },
      },
    },
  },
  live: { phase: 'PAYING', started: 13, finished: 10, awaitingApproval: 0 },
  stopped: false,
  strandedCommissions: 0,
  preview: null,
  skipped: [],
  items: [],
  reconciliation: { booked: 0, returned: 0, awaitingStatement: 0 },
  links: {
    items: `/settlements/${ID}/items`,
    report: `/settlements/${ID}/report.csv`,
    workflow: 'http://localhost:8233/namespaces/default/workflows/settlement%3A2026-03-31',
  },
  ...over,
});

describe('settlement state', () => {
  it('follows a run from its events: started, progress, completed', () => {
    let s = events(initialSettlementsState, started(1));
    expect(s.runs[ID]).toMatchObject({
      status: 'RUNNING',
      itemCount: 30,
      skippedCount: 2,
      startedBy: 'alice',
    });
    expect(progressView(s.progress[ID], s.runs[ID])).toEqual({
      finished: 0,
      total: 30,
      percent: 0,
      done: false,
    });

    s = events(s, progressed(2, 12, { COMPLETED: 12, PROCESSING: 3 }));
    expect(progressView(s.progress[ID], s.runs[ID])).toEqual({
      finished: 12,
      total: 30,
      percent: 40,
      done: false,
    });
    expect(s.progress[ID]!.byStatus).toEqual({ COMPLETED: 12, PROCESSING: 3 });

    s = events(s, completed(3));
    expect(s.runs[ID]).toMatchObject({ status: 'COMPLETED', completedAt: '2026-04-01T02:00:03.000Z' });
    expect(progressView(s.progress[ID], s.runs[ID])).toEqual({
      finished: 30,
      total: 30,
      percent: 100,
      done: true,
    });
    expect(s.touched[ID]).toBe(3);
    expect(s.lastPosition).toBe(3);
  });

  it('ignores replayed positions and other aggregates, but still advances past them', () => {
    const s = events(initialSettlementsState, started(1), progressed(2, 5));
    expect(events(s, progressed(2, 9))).toBe(s);
    const payment: EventMessage = {
      type: 'event',
      position: 3,
      event: { ...started(3).event, type: 'PaymentCreated', aggregate: { type: 'Payment', id: 'p' } },
    };
    const after = events(s, payment);
    expect(after.runs).toBe(s.runs);
    expect(after.lastPosition).toBe(3);
  });

  it('only lets progress move forward, whichever source answered last', () => {
    let s = events(initialSettlementsState, started(1), progressed(2, 20));
    // A snapshot fetched before the last event (10 finished) arrives after it.
    s = settlementsReducer(s, { type: 'detail-loaded', settlement: snapshot() });
    expect(s.progress[ID]!.finishedCount).toBe(20);
    s = events(s, completed(3));
    s = settlementsReducer(s, { type: 'detail-loaded', settlement: snapshot() });
    expect(s.runs[ID]!.status).toBe('COMPLETED');
    expect(progressView(s.progress[ID], s.runs[ID]).percent).toBe(100);
  });

  it('never lets an older snapshot replace a newer detail', () => {
    const done = snapshot({
      status: 'COMPLETED',
      finishedCount: 30,
      live: null,
      completedAt: '2026-04-01T03:00:00Z',
    });
    let s = settlementsReducer(initialSettlementsState, { type: 'detail-loaded', settlement: done });
    s = settlementsReducer(s, { type: 'detail-loaded', settlement: snapshot() });
    expect(s.details[ID]).toBe(done);

    let r = settlementsReducer(initialSettlementsState, {
      type: 'detail-loaded',
      settlement: snapshot({ finishedCount: 12 }),
    });
    r = settlementsReducer(r, { type: 'detail-loaded', settlement: snapshot({ finishedCount: 8 }) });
    expect(r.details[ID]!.finishedCount).toBe(12);
  });

  it('takes progress from a snapshot: the workflow’s own counter and the per-status counts', () => {
    const s = settlementsReducer(initialSettlementsState, {
      type: 'detail-loaded',
      settlement: snapshot({
        finishedCount: 10,
        live: { phase: 'PAYING', started: 15, finished: 11, awaitingApproval: 0 },
      }),
    });
    expect(s.progress[ID]).toEqual({
      status: 'RUNNING',
      itemCount: 30,
      finishedCount: 11,
      byStatus: { COMPLETED: 10, PROCESSING: 3, PENDING: 17 },
    });
  });

  it('shows a started run at once, then fills it in from the list without losing its status', () => {
    let s = settlementsReducer(initialSettlementsState, {
      type: 'started',
      started: {
        settlementId: ID,
        periodEnd: '2026-03-31',
        currency: null,
        created: true,
        links: { self: '', workflow: '' },
      },
      startedBy: 'alice',
      at: '2026-04-01T02:00:00.000Z',
    });
    expect(s.selectedId).toBe(ID);
    expect(progressView(s.progress[ID], s.runs[ID])).toMatchObject({ total: 0, percent: 0, done: false });
    s = events(s, completed(9));
    // A list read before the run completed must not set it back to RUNNING.
    s = settlementsReducer(s, {
      type: 'list-loaded',
      list: { items: [summary()], nextCursor: null, schedule: null, timeZone: 'America/Bogota' },
    });
    expect(s.runs[ID]!.status).toBe('COMPLETED');
    expect(s.schedule).toBeNull();
    expect(s.timeZone).toBe('America/Bogota');
  });

  it('selects the operator’s pick, else the newest running run, else the newest run', () => {
    const older = summary({
      id: OLDER,
      periodEnd: '2026-02-28',
      status: 'RUNNING',
      createdAt: '2026-03-01T02:00:00Z',
    });
    const newer = summary({ status: 'COMPLETED' });
    let s = settlementsReducer(initialSettlementsState, {
      type: 'list-loaded',
      list: { items: [newer, older], nextCursor: null, schedule: null, timeZone: 'UTC' },
    });
    expect(sortedRuns(s).map((r) => r.id)).toEqual([ID, OLDER]);
    expect(selectedRunId(s)).toBe(OLDER);
    s = events(s, settlementEvent(1, 'SettlementCompleted', { itemCount: 30, finishedCount: 30 }, OLDER));
    expect(selectedRunId(s)).toBe(ID);
    s = settlementsReducer(s, { type: 'select', id: OLDER });
    expect(selectedRunId(s)).toBe(OLDER);
    expect(selectedRunId(initialSettlementsState)).toBeNull();
  });

  it('counts a run start or completion as a list change, a progress event not', () => {
    let s = events(initialSettlementsState, started(4));
    expect(s.listTouched).toBe(4);
    s = events(s, progressed(5, 3));
    expect(s.listTouched).toBe(4);
    s = events(s, completed(6));
    expect(s.listTouched).toBe(6);
  });

  describe('a run awaiting approval', () => {
    const DEADLINE = '2026-04-01T03:00:00.000Z';
    const REASONS = ['EUR: total 154000 is above the threshold 20000'];
    const awaiting = (position: number) =>
      settlementEvent(position, 'SettlementAwaitingApproval', {
        itemCount: 30,
        approvalReasons: REASONS,
        approvalDeadline: DEADLINE,
      });
    const decided = (position: number, type: string, data: Record<string, unknown> = {}) =>
      settlementEvent(position, type, { itemCount: 30, decidedBy: 'bob', ...data });
    const waitingApproval = {
      status: 'AWAITING' as const,
      reasons: REASONS,
      deadline: DEADLINE,
      decidedBy: null,
      decidedAt: null,
      reason: null,
    };

    it('waits on SettlementAwaitingApproval, runs on SettlementApproved, then completes', () => {
      let s = events(initialSettlementsState, started(1), awaiting(2));
      expect(s.runs[ID]).toMatchObject({ status: 'AWAITING_APPROVAL', approval: waitingApproval });
      expect(s.listTouched).toBe(2);
      // A run awaiting approval is the one to look at.
      expect(selectedRunId(s)).toBe(ID);

      s = events(s, decided(3, 'SettlementApproved'));
      expect(s.runs[ID]).toMatchObject({
        status: 'RUNNING',
        completedAt: null,
        approval: {
          status: 'APPROVED',
          reasons: REASONS,
          deadline: DEADLINE,
          decidedBy: 'bob',
          decidedAt: '2026-04-01T02:00:03.000Z',
          reason: null,
        },
      });
      s = events(s, progressed(4, 12), completed(5));
      expect(s.runs[ID]).toMatchObject({ status: 'COMPLETED', approval: { status: 'APPROVED' } });
      expect(progressView(s.progress[ID], s.runs[ID]).done).toBe(true);
    });

    it('ends on SettlementRejected with its decider and reason', () => {
      const s = events(
        initialSettlementsState,
        started(1),
        awaiting(2),
        decided(3, 'SettlementRejected', { reason: 'the totals look wrong' }),
      );
      expect(s.runs[ID]).toMatchObject({
        status: 'REJECTED',
        completedAt: '2026-04-01T02:00:03.000Z',
        approval: { status: 'REJECTED', decidedBy: 'bob', reason: 'the totals look wrong', reasons: REASONS },
      });
      expect(s.progress[ID]!.status).toBe('REJECTED');
      expect(s.listTouched).toBe(3);
    });

    it('is RELEASED (approval EXPIRED) when nobody decided by its deadline', () => {
      const s = events(
        initialSettlementsState,
        started(1),
        awaiting(2),
        decided(3, 'SettlementReleased', {
          decidedBy: 'system',
          reason: 'approval_timeout',
          releasedBy: 'system',
          releasedCount: 30,
        }),
      );
      expect(s.runs[ID]).toMatchObject({
        status: 'RELEASED',
        approval: { status: 'EXPIRED', decidedBy: 'system', reason: 'approval_timeout', deadline: DEADLINE },
      });
      expect(s.runs[ID]!.release).toBeUndefined();
    });

    it('never goes back: a list or snapshot read before the decision does not undo it', () => {
      let s = events(initialSettlementsState, started(1), awaiting(2), decided(3, 'SettlementApproved'));
      const before = snapshot({
        status: 'AWAITING_APPROVAL',
        finishedCount: 0,
        live: null,
        approval: waitingApproval,
      });
      s = settlementsReducer(s, {
        type: 'list-loaded',
        list: {
          items: [summary({ status: 'AWAITING_APPROVAL', approval: waitingApproval })],
          nextCursor: null,
          schedule: null,
          timeZone: 'UTC',
        },
      });
      s = settlementsReducer(s, { type: 'detail-loaded', settlement: before });
      expect(s.runs[ID]).toMatchObject({
        status: 'RUNNING',
        approval: { status: 'APPROVED', decidedBy: 'bob' },
      });

      // Between snapshots alike: the approved one stays.
      const approved = snapshot({
        approval: { ...waitingApproval, status: 'APPROVED', decidedBy: 'bob', decidedAt: DEADLINE },
      });
      let r = settlementsReducer(initialSettlementsState, { type: 'detail-loaded', settlement: approved });
      r = settlementsReducer(r, { type: 'detail-loaded', settlement: before });
      expect(r.details[ID]).toBe(approved);

      // A final status stays final, and is not swapped for another.
      let t = events(
        initialSettlementsState,
        started(1),
        awaiting(2),
        decided(3, 'SettlementRejected', { reason: 'no' }),
      );
      t = settlementsReducer(t, { type: 'detail-loaded', settlement: before });
      t = events(t, decided(4, 'SettlementReleased', { releasedBy: 'carol', releasedCount: 0 }));
      expect(t.runs[ID]).toMatchObject({ status: 'REJECTED', approval: { status: 'REJECTED' } });
    });

    it('lets a run that was only guessed RUNNING (just started) go on to await approval', () => {
      let s = settlementsReducer(initialSettlementsState, {
        type: 'started',
        started: {
          settlementId: ID,
          periodEnd: '2026-03-31',
          currency: null,
          created: true,
          links: { self: '', workflow: '' },
        },
        startedBy: 'alice',
        at: '2026-04-01T02:00:00.000Z',
      });
      expect(s.runs[ID]!.status).toBe('RUNNING');
      s = settlementsReducer(s, {
        type: 'detail-loaded',
        settlement: snapshot({
          status: 'AWAITING_APPROVAL',
          finishedCount: 0,
          live: null,
          approval: waitingApproval,
        }),
      });
      expect(s.runs[ID]).toMatchObject({ status: 'AWAITING_APPROVAL', approval: waitingApproval });
      // SettlementStarted (RUNNING, approval unknown) arriving after it does not undo it.
      s = events(s, started(1));
      expect(s.runs[ID]!.status).toBe('AWAITING_APPROVAL');
    });

    it('takes this operator’s decision from the API’s answer before any event', () => {
      const waiting = events(initialSettlementsState, started(1), awaiting(2));
      let s = settlementsReducer(waiting, {
        type: 'decided',
        decision: {
          settlementId: ID,
          approval: 'APPROVED',
          status: 'RUNNING',
          decidedBy: 'bob',
          releasedPayouts: 0,
        },
        reason: null,
        at: '2026-04-01T02:10:00.000Z',
      });
      expect(s.runs[ID]).toMatchObject({
        status: 'RUNNING',
        approval: {
          status: 'APPROVED',
          decidedBy: 'bob',
          decidedAt: '2026-04-01T02:10:00.000Z',
          reasons: REASONS,
        },
      });
      // Its event, arriving after, agrees; the list read before it does not undo it.
      s = events(s, decided(3, 'SettlementApproved'));
      expect(s.runs[ID]).toMatchObject({ status: 'RUNNING', approval: { status: 'APPROVED' } });

      const rejected = settlementsReducer(waiting, {
        type: 'decided',
        decision: {
          settlementId: ID,
          approval: 'REJECTED',
          status: 'REJECTED',
          decidedBy: 'bob',
          releasedPayouts: 30,
        },
        reason: 'the totals look wrong',
        at: '2026-04-01T02:10:00.000Z',
      });
      expect(rejected.runs[ID]).toMatchObject({
        status: 'REJECTED',
        approval: { status: 'REJECTED', reason: 'the totals look wrong' },
      });
      // An answer about a run this page does not hold changes nothing.
      expect(
        settlementsReducer(initialSettlementsState, {
          type: 'decided',
          decision: {
            settlementId: ID,
            approval: 'APPROVED',
            status: 'RUNNING',
            decidedBy: 'bob',
            releasedPayouts: 0,
          },
          reason: null,
          at: '2026-04-01T02:10:00.000Z',
        }),
      ).toBe(initialSettlementsState);
    });
  });

  describe('a stopped run released by an operator', () => {
    it('is RELEASED on SettlementReleased, with who, why and how many payouts', () => {
      const s = events(
        initialSettlementsState,
        started(1),
        progressed(2, 4),
        settlementEvent(3, 'SettlementReleased', {
          itemCount: 30,
          releasedBy: 'bob',
          reason: 'worker lost',
          releasedCount: 26,
        }),
      );
      expect(s.runs[ID]).toMatchObject({
        status: 'RELEASED',
        completedAt: '2026-04-01T02:00:03.000Z',
        approval: undefined,
        release: { by: 'bob', reason: 'worker lost', payouts: 26, at: '2026-04-01T02:00:03.000Z' },
      });
      expect(s.listTouched).toBe(3);
      // Released is not done: the bar stays where the run stopped.
      expect(progressView(s.progress[ID], s.runs[ID])).toMatchObject({ finished: 4, done: false });
    });

    it('takes the release’s answer (commissions given back too), and a RUNNING read after it does not undo it', () => {
      let s = events(initialSettlementsState, started(1));
      s = settlementsReducer(s, {
        type: 'released',
        released: { settlementId: ID, status: 'RELEASED', releasedPayouts: 26, releasedCommissions: 31 },
        by: 'bob',
        reason: 'worker lost',
        at: '2026-04-01T03:00:00.000Z',
      });
      expect(s.runs[ID]).toMatchObject({
        status: 'RELEASED',
        completedAt: '2026-04-01T03:00:00.000Z',
        release: { by: 'bob', reason: 'worker lost', payouts: 26, commissions: 31 },
      });
      s = settlementsReducer(s, { type: 'detail-loaded', settlement: snapshot({ live: null }) });
      s = settlementsReducer(s, {
        type: 'list-loaded',
        list: { items: [summary()], nextCursor: null, schedule: null, timeZone: 'UTC' },
      });
      expect(s.runs[ID]).toMatchObject({ status: 'RELEASED', release: { commissions: 31 } });
      // Its own event, after: still the answer's counts.
      s = events(
        s,
        settlementEvent(2, 'SettlementReleased', { itemCount: 30, releasedBy: 'bob', releasedCount: 26 }),
      );
      expect(s.runs[ID]!.release).toMatchObject({ payouts: 26, commissions: 31 });
    });
  });

  it('computes whole percentages that reach 100 only when done', () => {
    const p = (finishedCount: number, itemCount: number, status = 'RUNNING') =>
      progressView({ status, itemCount, finishedCount, byStatus: {} }).percent;
    expect(p(0, 30)).toBe(0);
    expect(p(1, 3)).toBe(33);
    expect(p(299, 300)).toBe(99);
    expect(p(30, 30)).toBe(100);
    expect(p(45, 30)).toBe(100);
    expect(p(0, 0)).toBe(0);
    expect(p(0, 0, 'COMPLETED')).toBe(100);
    expect(progressView(undefined, summary({ status: 'COMPLETED' }))).toEqual({
      finished: 30,
      total: 30,
      percent: 100,
      done: true,
    });
  });

  it('formats per-currency totals beyond 2^53 exactly, currencies in code order, statuses in payout order', () => {
    const huge = '123456789012345678901'; // > 2^53 (9007199254740992)
    const rows = totalsRows(
      {
        USD: {
          planned: { count: 2, amountMinor: huge },
          skipped: { count: 1, amountMinor: '-1500' },
          byStatus: {
            FAILED: { count: 1, amountMinor: '1' },
            COMPLETED: { count: 1, amountMinor: '123456789012345678900' },
          },
        },
        COP: {
          planned: { count: 1, amountMinor: '9007199254740993' },
          skipped: { count: 0, amountMinor: '0' },
          byStatus: { PENDING: { count: 1, amountMinor: '9007199254740993' } },
        },
        JPY: {
          planned: { count: 1, amountMinor: '90071992547409930' },
          skipped: { count: 0, amountMinor: '0' },
          byStatus: {},
        },
      },
      'en-US',
    );
    expect(rows.map((r) => r.currency)).toEqual(['COP', 'JPY', 'USD']);
    const usd = rows[2]!;
    expect(usd.planned).toBe('$1,234,567,890,123,456,789.01');
    expect(usd.plannedMinor).toBe(huge);
    expect(usd.skipped).toBe('-$15.00');
    expect(usd.byStatus.map((b) => [b.status, b.amount])).toEqual([
      ['COMPLETED', '$1,234,567,890,123,456,789.00'],
      ['FAILED', '$0.01'],
    ]);
    // 2^53 + 1 is not a float: it must not come out as …992.
    expect(rows[0]!.planned).toBe('COP\u00a090,071,992,547,409.93');
    expect(rows[1]!.planned).toBe('¥90,071,992,547,409,930');
  });

  it('compares balances with their minimum as integers', () => {
    expect(belowMinimum('4999', '5000')).toBe(true);
    expect(belowMinimum('5000', '5000')).toBe(false);
    expect(belowMinimum('-20', '5000')).toBe(true);
    expect(belowMinimum('9007199254740993', '9007199254740992')).toBe(false);
    // No minimum configured: no run pays the currency, whatever its balance.
    expect(belowMinimum('9007199254740993', null)).toBe(true);
    expect(belowMinimum('9007199254740992', '9007199254740993')).toBe(true);
  });

  it('counts the payouts the bank’s statements booked, returned or have not named yet; nothing when none went by file', () => {
    expect(statementCounts(snapshot().reconciliation)).toBeUndefined();
    expect(statementCounts(undefined)).toBeUndefined();
    expect(statementCounts({ booked: 12, returned: 1, awaitingStatement: 3 })).toEqual({
      total: 16,
      parts: [
        { state: 'BOOKED', label: 'booked', count: 12 },
        { state: 'RETURNED', label: 'returned', count: 1 },
        { state: 'AWAITING_STATEMENT', label: 'awaiting statement', count: 3 },
      ],
    });
  });

  it('labels every skip reason the domain has', () => {
    expect(Object.keys(SKIP_REASON_LABELS).sort()).toEqual([...SETTLEMENT_SKIP_REASONS].sort());
  });

  it('settles up to yesterday in UTC', () => {
    expect(latestSettleableDay(new Date('2026-04-01T00:30:00Z'))).toBe('2026-03-31');
    expect(latestSettleableDay(new Date('2026-04-01T23:59:00Z'))).toBe('2026-03-31');
    // In the programme's zone (SETTLEMENT_TIME_ZONE, from GET /settlements): 03:00Z is still the 31st in Bogota.
    expect(latestSettleableDay(new Date('2026-04-01T03:00:00Z'), 'America/Bogota')).toBe('2026-03-30');
    expect(latestSettleableDay(new Date('2026-03-31T16:00:00Z'), 'Asia/Tokyo')).toBe('2026-03-31');
    expect(initialSettlementsState.timeZone).toBe('UTC');
  });
});
