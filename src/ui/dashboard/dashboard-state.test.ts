import { PAYMENT_STATUSES as DOMAIN_STATUSES } from '../../domain/payment-status';
import type { EventMessage, StreamEvent } from '../stream-protocol';
import {
  availableActions,
  dashboardReducer,
  initialDashboardState,
  PAYMENT_STATUSES,
  visiblePayments,
  type ApiPayment,
  type DashboardState,
} from './dashboard-state';

const PAY = '11111111-1111-4111-8111-111111111111';
const PARTNER = '22222222-2222-4222-8222-222222222222';

function paymentEvent(
  position: number,
  type: string,
  status: string,
  version: number,
  extra = {},
): EventMessage {
  const event: StreamEvent = {
    id: `e${position}`,
    type,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, position)).toISOString(),
    aggregate: { type: 'Payment', id: PAY },
    partnerId: PARTNER,
    data: {
      paymentId: PAY,
      partnerId: PARTNER,
      status,
      amountMinor: 1505000,
      currency: 'COP',
      version,
      ...extra,
    },
    workflowId: `payment:${PAY}`,
    runId: 'run-1',
  };
  return { type: 'event', position, event };
}

const events = (state: DashboardState, ...messages: EventMessage[]) =>
  dashboardReducer(state, { type: 'events', messages });

const snapshot: ApiPayment = {
  id: PAY,
  partnerId: PARTNER,
  currency: 'COP',
  totalMinor: 1505000,
  status: 'PROCESSING',
  version: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:02.000Z',
  lines: [{ reference: 'conv-1', amountMinor: 1505000, description: '' }],
};

describe('dashboard state', () => {
  it('shows the domain’s status list itself, not a copy', () => {
    expect(PAYMENT_STATUSES).toBe(DOMAIN_STATUSES);
  });

  it('builds a row from events alone and follows its status', () => {
    let s = events(
      initialDashboardState,
      paymentEvent(1, 'PaymentCreated', 'PENDING', 1, { createdBy: 'alice' }),
    );
    s = events(
      s,
      paymentEvent(2, 'PaymentProcessing', 'PROCESSING', 2),
      paymentEvent(3, 'PaymentCompleted', 'COMPLETED', 3),
    );
    expect(s.payments[PAY]).toMatchObject({
      status: 'COMPLETED',
      totalMinor: 1505000,
      currency: 'COP',
      createdBy: 'alice',
      version: 3,
    });
    expect(s.lastPosition).toBe(3);
    expect(s.feed.map((f) => f.position)).toEqual([3, 2, 1]);
  });

  it('drops events at or below the last position (a resumed stream repeating itself)', () => {
    let s = events(
      initialDashboardState,
      paymentEvent(1, 'PaymentCreated', 'PENDING', 1),
      paymentEvent(2, 'PaymentProcessing', 'PROCESSING', 2),
    );
    const again = events(s, paymentEvent(2, 'PaymentProcessing', 'PROCESSING', 2));
    expect(again).toBe(s);
    s = events(
      s,
      paymentEvent(1, 'PaymentCreated', 'PENDING', 1),
      paymentEvent(3, 'PaymentCompleted', 'COMPLETED', 3),
    );
    expect(s.feed.map((f) => f.position)).toEqual([3, 2, 1]);
    expect(s.history[PAY]!.map((f) => f.position)).toEqual([1, 2, 3]);
  });

  it('never rolls a row back to an older version, whichever arrives first', () => {
    const fromSnapshot = dashboardReducer(initialDashboardState, {
      type: 'payments-loaded',
      items: [snapshot],
    });
    const replayed = events(fromSnapshot, paymentEvent(1, 'PaymentCreated', 'PENDING', 1));
    expect(replayed.payments[PAY]!.status).toBe('PROCESSING');
    expect(replayed.feed).toHaveLength(1);

    const fromEvents = events(initialDashboardState, paymentEvent(3, 'PaymentCompleted', 'COMPLETED', 3));
    const staleList = dashboardReducer(fromEvents, { type: 'payments-loaded', items: [snapshot] });
    expect(staleList.payments[PAY]).toMatchObject({ status: 'COMPLETED', lines: snapshot.lines });
  });

  it('lets any event replace the optimistic row of the create form', () => {
    const optimistic = dashboardReducer(initialDashboardState, {
      type: 'payment-updated',
      payment: { ...snapshot, status: 'PENDING', version: 0 },
    });
    expect(events(optimistic, paymentEvent(9, 'PaymentCreated', 'PENDING', 1)).payments[PAY]!.version).toBe(
      1,
    );
  });

  it('records deciders and reasons from decision events', () => {
    let s = events(initialDashboardState, paymentEvent(1, 'PaymentAwaitingApproval', 'AWAITING_APPROVAL', 2));
    s = events(s, paymentEvent(2, 'PaymentApproved', 'AWAITING_APPROVAL', 3, { actor: 'bob' }));
    expect(s.payments[PAY]).toMatchObject({ approvedBy: 'bob', decidedBy: 'bob' });
    s = events(s, paymentEvent(3, 'PaymentRefunded', 'REFUNDED', 6, { actor: 'carol', reason: 'duplicate' }));
    expect(s.payments[PAY]).toMatchObject({ approvedBy: 'bob', decidedBy: 'carol', reason: 'duplicate' });
  });

  it('files notifications under their payment', () => {
    const note: EventMessage = {
      type: 'event',
      position: 7,
      event: {
        id: 'n1',
        type: 'NotificationSent',
        occurredAt: '2026-01-01T00:00:07.000Z',
        aggregate: { type: 'Notification', id: 'n1' },
        partnerId: PARTNER,
        data: { paymentId: PAY, channel: 'email' },
        workflowId: null,
        runId: null,
      },
    };
    const s = events(initialDashboardState, note);
    expect(s.notifications[PAY]!.map((n) => n.position)).toEqual([7]);
    expect(s.payments[PAY]).toBeUndefined();
  });

  it('filters by partner and status, newest first', () => {
    const other: ApiPayment = {
      ...snapshot,
      id: '33333333-3333-4333-8333-333333333333',
      status: 'COMPLETED',
      createdAt: '2026-01-02T00:00:00.000Z',
    };
    const s = dashboardReducer(initialDashboardState, { type: 'payments-loaded', items: [snapshot, other] });
    expect(visiblePayments(s, { partnerId: '', status: '' }).map((p) => p.id)).toEqual([other.id, PAY]);
    expect(visiblePayments(s, { partnerId: '', status: 'PROCESSING' }).map((p) => p.id)).toEqual([PAY]);
    expect(visiblePayments(s, { partnerId: 'nobody', status: '' })).toEqual([]);
  });

  it('offers the actions the workflow accepts per status', () => {
    expect(availableActions('AWAITING_APPROVAL')).toEqual(['approve', 'reject', 'cancel']);
    expect(availableActions('COMPLETED')).toEqual(['refund']);
    expect(availableActions('FAILED')).toEqual([]);
  });

  it('forgets everything on reset (another key signed in)', () => {
    const loaded = dashboardReducer(initialDashboardState, {
      type: 'payments-loaded',
      items: [
        {
          id: 'p1',
          partnerId: 'a',
          currency: 'USD',
          totalMinor: 1,
          status: 'COMPLETED',
          lines: [],
          createdAt: '2026-01-01T00:00:00Z',
          updatedAt: '2026-01-01T00:00:00Z',
        } as never,
      ],
    });
    expect(Object.keys(loaded.payments)).toEqual(['p1']);
    expect(dashboardReducer(loaded, { type: 'reset' })).toEqual(initialDashboardState);
  });
});
