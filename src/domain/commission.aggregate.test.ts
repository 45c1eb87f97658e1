import fc from 'fast-check';
import {
  CLAWBACK_REFERENCE_SUFFIX,
  Commission,
  COMMISSION_EVENT_TYPES,
  COMMISSION_KINDS,
  COMMISSION_STATUSES,
  type CommissionDomainEvent,
  type CommissionSnapshot,
  type CreateCommissionProps,
  isCommissionKind,
  isCommissionStatus,
} from './commission.aggregate';
import { ErrorCodes } from './domain-error';
import { expectDomainError } from '../../test/support/expect-domain-error';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const T0 = new Date('2024-01-10T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const baseProps = (overrides: Partial<CreateCommissionProps> = {}): CreateCommissionProps => ({
  id: 'com-1',
  externalRef: 'ORD-1',
  partnerId: 'partner-1',
  currency: 'USD',
  amountMinor: 1250,
  description: 'Order 1',
  occurredAt: '2024-01-10T00:00:00.000Z',
  holdMs: 7 * DAY,
  now: T0,
  ...overrides,
});

const snapshot = (overrides: Partial<CommissionSnapshot> = {}): CommissionSnapshot => ({
  id: 'com-1',
  externalRef: 'ORD-1',
  partnerId: 'partner-1',
  currency: 'USD',
  amountMinor: 1250,
  kind: 'COMMISSION',
  description: 'Order 1',
  occurredAt: '2024-01-10T00:00:00.000Z',
  holdUntil: '2024-01-17T00:00:00.000Z',
  status: 'PENDING',
  settlementId: null,
  paymentId: null,
  reversalReason: null,
  reversedBy: null,
  reversedAt: null,
  reversalPending: false,
  clawbackOf: null,
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  version: 1,
  ...overrides,
});

const AFTER_HOLD = at(8 * DAY);
const LATER = at(9 * DAY);

const settling = (): Commission => {
  const c = Commission.create(baseProps());
  c.claim('set-1', 'pay-1', AFTER_HOLD);
  return c;
};
const settled = (): Commission => {
  const c = settling();
  c.settle(AFTER_HOLD);
  return c;
};
const reverseProps = { reason: 'order refunded', actor: 'ops@alpes', now: LATER, clawbackId: 'claw-1' };

describe('kinds and statuses', () => {
  it('lists them and recognises them', () => {
    expect(COMMISSION_KINDS).toEqual(['COMMISSION', 'CLAWBACK']);
    expect(COMMISSION_STATUSES).toEqual(['PENDING', 'PAYABLE', 'SETTLING', 'SETTLED', 'REVERSED']);
    expect(COMMISSION_EVENT_TYPES).toEqual([
      'CommissionReversed',
      'CommissionReversalRequested',
      'CommissionClawbackCreated',
    ]);
    expect(isCommissionKind('CLAWBACK')).toBe(true);
    expect(isCommissionKind('clawback')).toBe(false);
    expect(isCommissionStatus('SETTLING')).toBe(true);
    expect(isCommissionStatus('COMPLETED')).toBe(false);
    expect(isCommissionStatus(1)).toBe(false);
  });
});

describe('Commission.create', () => {
  it('creates a PENDING commission held until occurredAt + holdMs, and records no event', () => {
    const c = Commission.create(baseProps());
    expect(c.toSnapshot()).toEqual(snapshot());
    expect(c.status).toBe('PENDING');
    expect(c.kind).toBe('COMMISSION');
    expect(c.amountMinor).toBe(1250);
    expect(c.currency).toBe('USD');
    expect(c.partnerId).toBe('partner-1');
    expect(c.externalRef).toBe('ORD-1');
    expect(c.holdUntil).toBe('2024-01-17T00:00:00.000Z');
    expect(c.pullEvents()).toEqual([]);
  });

  it('trims reference and description; a missing description is empty', () => {
    const c = Commission.create(baseProps({ externalRef: '  ORD-9 ', description: '  d  ' }));
    expect(c.externalRef).toBe('ORD-9');
    expect(c.toSnapshot().description).toBe('d');
    const { description: _omitted, ...withoutDescription } = baseProps();
    expect(Commission.create(withoutDescription).toSnapshot().description).toBe('');
    expect(Commission.create(baseProps({ description: '   ' })).toSnapshot().description).toBe('');
  });

  it.each([
    ['a single character', 'R'],
    ['exactly 90 characters', 'r'.repeat(90)],
    ['90 astral characters (code points, not UTF-16 units)', '😀'.repeat(90)],
    ['"clawback" not as the reserved suffix', 'ORD:clawback-2'],
  ])('accepts a reference of %s', (_label, externalRef) => {
    expect(Commission.create(baseProps({ externalRef })).externalRef).toBe(externalRef);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['91 characters', 'r'.repeat(91)],
    ['91 astral characters', '😀'.repeat(91)],
    ['ending with the reserved clawback suffix', `ORD-1${CLAWBACK_REFERENCE_SUFFIX}`],
    ['ending with the suffix before trailing blanks', `ORD-1${CLAWBACK_REFERENCE_SUFFIX}  `],
    ['not a string', 42 as unknown as string],
    ['missing', undefined as unknown as string],
  ])('rejects a reference that is %s', (_label, externalRef) => {
    expectDomainError(
      () => Commission.create(baseProps({ externalRef })),
      ErrorCodes.COMMISSION_INVALID_REFERENCE,
    );
  });

  it.each([
    ['empty', ''],
    ['blank', '  '],
    ['not a string', 7 as unknown as string],
  ])('rejects a partner id that is %s', (_label, partnerId) => {
    expectDomainError(
      () => Commission.create(baseProps({ partnerId })),
      ErrorCodes.COMMISSION_INVALID_PARTNER,
    );
  });

  it.each([0, -1, -0, -Number.MAX_SAFE_INTEGER])('rejects the non-positive amount %p', (amountMinor) => {
    const e = expectDomainError(
      () => Commission.create(baseProps({ amountMinor })),
      ErrorCodes.COMMISSION_NON_POSITIVE_AMOUNT,
    );
    expect(e.details).toMatchObject({ externalRef: 'ORD-1' });
  });

  it.each([
    ['fractional', 0.5],
    ['NaN', NaN],
    ['above the safe range', Number.MAX_SAFE_INTEGER + 1],
    ['a numeric string', '100' as unknown as number],
  ])('rejects a %s amount as MONEY.INVALID_AMOUNT', (_label, amountMinor) => {
    expectDomainError(() => Commission.create(baseProps({ amountMinor })), ErrorCodes.MONEY_INVALID_AMOUNT);
  });

  it('accepts the largest safe amount', () => {
    expect(Commission.create(baseProps({ amountMinor: Number.MAX_SAFE_INTEGER })).amountMinor).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it.each(['XYZ', 'usd', ''])('rejects the currency %p', (currency) => {
    expectDomainError(() => Commission.create(baseProps({ currency })), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
  });

  it('accepts a description of 500 code points and rejects 501 or a non-string', () => {
    expect(Commission.create(baseProps({ description: '😀'.repeat(500) })).toSnapshot().description).toBe(
      '😀'.repeat(500),
    );
    expectDomainError(
      () => Commission.create(baseProps({ description: 'd'.repeat(501) })),
      ErrorCodes.COMMISSION_INVALID_DESCRIPTION,
    );
    expectDomainError(
      () => Commission.create(baseProps({ description: null as unknown as string })),
      ErrorCodes.COMMISSION_INVALID_DESCRIPTION,
    );
  });

  it.each([
    ['UTC with milliseconds', '2024-01-09T12:34:56.789Z', '2024-01-09T12:34:56.789Z'],
    ['UTC without seconds', '2024-01-09T12:34Z', '2024-01-09T12:34:00.000Z'],
    ['a positive offset', '2024-01-09T14:00:00+02:00', '2024-01-09T12:00:00.000Z'],
    ['a negative offset', '2024-01-09T07:00:00-05:00', '2024-01-09T12:00:00.000Z'],
    ['microseconds (truncated)', '2024-01-09T12:00:00.123456Z', '2024-01-09T12:00:00.123Z'],
    ['29 February of a leap year', '2020-02-29T00:00:00Z', '2020-02-29T00:00:00.000Z'],
    ['29 February 2000 (divisible by 400)', '2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['31 December', '2023-12-31T23:59:59Z', '2023-12-31T23:59:59.000Z'],
    ['a Date', new Date('2024-01-09T12:00:00Z'), '2024-01-09T12:00:00.000Z'],
  ])('accepts occurredAt as %s and normalises it', (_label, occurredAt, expected) => {
    expect(Commission.create(baseProps({ occurredAt })).toSnapshot().occurredAt).toBe(expected);
  });

  it.each([
    ['without a time zone (would be read as server-local time)', '2024-01-09T12:00:00'],
    ['a date only', '2024-01-09'],
    ['31 April', '2024-04-31T00:00:00Z'],
    ['30 February', '2024-02-30T00:00:00Z'],
    ['29 February of a common year', '2023-02-29T00:00:00Z'],
    ['29 February 1900 (century, not leap)', '1900-02-29T00:00:00Z'],
    ['month 13', '2024-13-01T00:00:00Z'],
    ['month 00', '2024-00-01T00:00:00Z'],
    ['day 00', '2024-01-00T00:00:00Z'],
    ['hour 24', '2024-01-01T24:00:00Z'],
    ['minute 60', '2024-01-01T00:60:00Z'],
    ['second 60', '2024-01-01T00:00:60Z'],
    ['offset hour 24', '2024-01-01T00:00:00+24:00'],
    ['offset minute 60', '2024-01-01T00:00:00+01:60'],
    ['a space instead of T', '2024-01-01 00:00:00Z'],
    ['free text', 'yesterday'],
    ['empty', ''],
    ['a number', 1704067200000 as unknown as string],
    ['an invalid Date', new Date('nope')],
    ['missing', undefined as unknown as string],
  ])('rejects occurredAt %s', (_label, occurredAt) => {
    expectDomainError(
      () => Commission.create(baseProps({ occurredAt })),
      ErrorCodes.COMMISSION_INVALID_OCCURRED_AT,
    );
  });

  it('tolerates up to 24 hours of clock skew into the future, not more', () => {
    const edge = Commission.create(baseProps({ occurredAt: at(DAY).toISOString(), holdMs: 0 }));
    expect(edge.toSnapshot().occurredAt).toBe(at(DAY).toISOString());
    const e = expectDomainError(
      () => Commission.create(baseProps({ occurredAt: at(DAY + 1).toISOString() })),
      ErrorCodes.COMMISSION_INVALID_OCCURRED_AT,
    );
    expect(e.message).toMatch(/future/);
  });

  it('accepts occurredAt long in the past', () => {
    expect(Commission.create(baseProps({ occurredAt: '2001-05-05T00:00:00Z' })).holdUntil).toBe(
      '2001-05-12T00:00:00.000Z',
    );
  });

  it('accepts a zero hold', () => {
    const c = Commission.create(baseProps({ holdMs: 0 }));
    expect(c.holdUntil).toBe(c.toSnapshot().occurredAt);
    expect(c.effectiveStatus(T0)).toBe('PAYABLE');
  });

  it.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', NaN],
    ['infinite', Infinity],
    ['beyond the Date range', Number.MAX_SAFE_INTEGER],
  ])('rejects a %s hold', (_label, holdMs) => {
    expectDomainError(() => Commission.create(baseProps({ holdMs })), ErrorCodes.COMMISSION_INVALID_HOLD);
  });

  it('round-trips any instant, in any offset notation, to the same toISOString', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: T0, noInvalidDate: true }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60000).toISOString().slice(0, -1);
          const abs = Math.abs(offsetMinutes);
          const zone = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const c = Commission.create(baseProps({ occurredAt: `${local}${zone}` }));
          expect(c.toSnapshot().occurredAt).toBe(date.toISOString());
        },
      ),
    );
  });
});

describe('Commission.fromSnapshot', () => {
  it('rehydrates a snapshot without recording events, and toSnapshot returns a copy', () => {
    const s = snapshot({ status: 'SETTLED', settlementId: 'set-1', paymentId: 'pay-1', version: 4 });
    const c = Commission.fromSnapshot(s);
    expect(c.toSnapshot()).toEqual(s);
    expect(c.pullEvents()).toEqual([]);
    const copy = c.toSnapshot();
    copy.status = 'REVERSED';
    expect(c.status).toBe('SETTLED');
  });

  it('rehydrates a clawback', () => {
    const c = Commission.fromSnapshot(snapshot({ kind: 'CLAWBACK', amountMinor: -1250, status: 'PAYABLE' }));
    expect(c.kind).toBe('CLAWBACK');
    expect(c.amountMinor).toBe(-1250);
  });

  it.each([
    ['an unknown status', { status: 'PAID' as never }],
    ['an unknown kind', { kind: 'BONUS' as never, amountMinor: -1 }],
    ['a non-positive commission amount', { amountMinor: 0 }],
    ['a positive clawback amount', { kind: 'CLAWBACK' as const, amountMinor: 5 }],
    ['a fractional amount', { amountMinor: 1.5 }],
  ])('refuses a corrupt snapshot with %s', (_label, overrides) => {
    expect(() => Commission.fromSnapshot(snapshot(overrides))).toThrow(/Corrupt commission snapshot com-1/);
  });
});

describe('effectiveStatus', () => {
  it('reads a PENDING commission as PAYABLE from holdUntil on', () => {
    const c = Commission.create(baseProps());
    expect(c.effectiveStatus(at(7 * DAY - 1))).toBe('PENDING');
    expect(c.effectiveStatus(at(7 * DAY))).toBe('PAYABLE');
    expect(c.status).toBe('PENDING');
  });

  it.each(['SETTLING', 'SETTLED', 'REVERSED', 'PAYABLE'] as const)(
    'leaves %s alone, whatever the time',
    (status) => {
      expect(Commission.fromSnapshot(snapshot({ status })).effectiveStatus(LATER)).toBe(status);
    },
  );
});

describe('matchesRequest', () => {
  const request = () => {
    const { id: _id, holdMs: _hold, now: _now, ...rest } = baseProps();
    return rest;
  };

  it('matches the same body, also with untrimmed text and another notation of the same instant', () => {
    const c = Commission.create(baseProps());
    expect(c.matchesRequest(request())).toBe(true);
    expect(
      c.matchesRequest({
        ...request(),
        externalRef: ' ORD-1 ',
        description: ' Order 1 ',
        occurredAt: '2024-01-10T01:00:00+01:00',
      }),
    ).toBe(true);
    expect(c.matchesRequest({ ...request(), occurredAt: new Date('2024-01-10T00:00:00Z') })).toBe(true);
  });

  it('treats a missing description as empty', () => {
    const c = Commission.create(baseProps({ description: '' }));
    const { description: _d, ...withoutDescription } = request();
    expect(c.matchesRequest(withoutDescription)).toBe(true);
    expect(c.matchesRequest({ ...withoutDescription, description: 'x' })).toBe(false);
  });

  it.each([
    ['externalRef', { externalRef: 'ORD-2' }],
    ['partnerId', { partnerId: 'partner-2' }],
    ['currency', { currency: 'EUR' }],
    ['amountMinor', { amountMinor: 1251 }],
    ['description', { description: 'Order one' }],
    ['occurredAt', { occurredAt: '2024-01-10T00:00:00.001Z' }],
    ['an invalid occurredAt', { occurredAt: 'soon' }],
    ['a non-string description', { description: 5 as unknown as string }],
  ])('does not match a different %s', (_label, change) => {
    expect(Commission.create(baseProps()).matchesRequest({ ...request(), ...change })).toBe(false);
  });

  it('never matches a clawback (its reference cannot be submitted)', () => {
    const claw = Commission.fromSnapshot(snapshot({ kind: 'CLAWBACK', amountMinor: -1250 }));
    expect(claw.matchesRequest({ ...request(), amountMinor: -1250 })).toBe(false);
  });
});

describe('claim, settle, release', () => {
  it('claims a commission whose hold has elapsed, linking it to the settlement and payment', () => {
    const c = Commission.create(baseProps());
    c.claim('set-1', 'pay-1', AFTER_HOLD);
    expect(c.toSnapshot()).toMatchObject({
      status: 'SETTLING',
      settlementId: 'set-1',
      paymentId: 'pay-1',
      version: 2,
      updatedAt: AFTER_HOLD.toISOString(),
    });
    expect(c.pullEvents()).toEqual([]);
  });

  it('refuses to claim before the hold ends', () => {
    const c = Commission.create(baseProps());
    const e = expectDomainError(
      () => c.claim('set-1', 'pay-1', at(DAY)),
      ErrorCodes.COMMISSION_INVALID_TRANSITION,
    );
    expect(e.details).toEqual({ commissionId: 'com-1', from: 'PENDING', to: 'SETTLING' });
    expect(c.version).toBe(1);
  });

  it.each(['SETTLING', 'SETTLED', 'REVERSED'] as const)('refuses to claim a %s commission', (status) => {
    expectDomainError(
      () => Commission.fromSnapshot(snapshot({ status })).claim('set-2', 'pay-2', LATER),
      ErrorCodes.COMMISSION_INVALID_TRANSITION,
    );
  });

  it('settles a SETTLING commission, keeping its links, without an event or clawback', () => {
    const c = settling();
    expect(c.settle(LATER)).toEqual({});
    expect(c.toSnapshot()).toMatchObject({
      status: 'SETTLED',
      settlementId: 'set-1',
      paymentId: 'pay-1',
      version: 3,
      updatedAt: LATER.toISOString(),
    });
    expect(c.pullEvents()).toEqual([]);
  });

  it.each(['PENDING', 'PAYABLE', 'SETTLED', 'REVERSED'] as const)(
    'refuses to settle or release a %s commission',
    (status) => {
      expectDomainError(
        () => Commission.fromSnapshot(snapshot({ status })).settle(LATER),
        ErrorCodes.COMMISSION_INVALID_TRANSITION,
      );
      expectDomainError(
        () => Commission.fromSnapshot(snapshot({ status })).release(LATER),
        ErrorCodes.COMMISSION_INVALID_TRANSITION,
      );
    },
  );

  it('releases a SETTLING commission back to PAYABLE and unlinks it', () => {
    const c = settling();
    c.release(LATER);
    expect(c.toSnapshot()).toMatchObject({
      status: 'PAYABLE',
      settlementId: null,
      paymentId: null,
      version: 3,
    });
    expect(c.pullEvents()).toEqual([]);
    c.claim('set-2', 'pay-2', LATER);
    expect(c.settlementId).toBe('set-2');
  });
});

describe('reverse', () => {
  it('reverses a PENDING commission', () => {
    const c = Commission.create(baseProps());
    expect(c.reverse({ ...reverseProps, now: at(HOUR) })).toEqual({});
    expect(c.toSnapshot()).toMatchObject({
      status: 'REVERSED',
      reversalReason: 'order refunded',
      reversedBy: 'ops@alpes',
      reversedAt: at(HOUR).toISOString(),
      reversalPending: false,
      version: 2,
    });
    const [event, ...rest] = c.pullEvents() as [CommissionDomainEvent];
    expect(rest).toEqual([]);
    expect(event.id).toMatch(UUID);
    expect(event).toEqual({
      id: event.id,
      type: 'CommissionReversed',
      occurredAt: at(HOUR).toISOString(),
      aggregate: { type: 'Commission', id: 'com-1' },
      partnerId: 'partner-1',
      data: {
        commissionId: 'com-1',
        externalRef: 'ORD-1',
        partnerId: 'partner-1',
        kind: 'COMMISSION',
        status: 'REVERSED',
        amountMinor: 1250,
        currency: 'USD',
        version: 2,
        actor: 'ops@alpes',
        reason: 'order refunded',
        settlementId: null,
        paymentId: null,
      },
    });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    expect(c.pullEvents()).toEqual([]);
  });

  it('reverses a commission whose hold has elapsed (effectively PAYABLE)', () => {
    const c = Commission.create(baseProps());
    c.reverse(reverseProps);
    expect(c.status).toBe('REVERSED');
  });

  it('trims the reason and accepts 500 code points', () => {
    const c = Commission.create(baseProps());
    c.reverse({ ...reverseProps, reason: `  ${'😀'.repeat(500)}  ` });
    expect(c.toSnapshot().reversalReason).toBe('😀'.repeat(500));
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['501 characters', 'r'.repeat(501)],
    ['not a string', null as unknown as string],
  ])('requires a reason (rejects one that is %s)', (_label, reason) => {
    const c = Commission.create(baseProps());
    expectDomainError(() => c.reverse({ ...reverseProps, reason }), ErrorCodes.COMMISSION_INVALID_REASON);
    expect(c.status).toBe('PENDING');
    expect(c.version).toBe(1);
  });

  it('marks a SETTLING commission reversal-pending, leaving it SETTLING', () => {
    const c = settling();
    expect(c.reverse(reverseProps)).toEqual({});
    expect(c.toSnapshot()).toMatchObject({
      status: 'SETTLING',
      reversalPending: true,
      reversalReason: 'order refunded',
      reversedBy: 'ops@alpes',
      reversedAt: LATER.toISOString(),
      settlementId: 'set-1',
      version: 3,
    });
    const events = c.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['CommissionReversalRequested']);
    expect(events[0]!.data).toMatchObject({ status: 'SETTLING', settlementId: 'set-1', paymentId: 'pay-1' });
  });

  it('a pending reversal becomes a clawback when the payment settles', () => {
    const c = settling();
    c.reverse(reverseProps);
    c.pullEvents();
    const settleAt = at(10 * DAY);
    const { clawback } = c.settle(settleAt, 'claw-9');
    expect(c.toSnapshot()).toMatchObject({ status: 'SETTLED', reversalPending: false, version: 4 });
    expect(clawback!.toSnapshot()).toMatchObject({
      id: 'claw-9',
      externalRef: 'ORD-1:clawback',
      amountMinor: -1250,
      kind: 'CLAWBACK',
      status: 'PAYABLE',
      occurredAt: settleAt.toISOString(),
      clawbackOf: 'ORD-1',
    });
    const events = c.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['CommissionClawbackCreated']);
    expect(events[0]!.data).toMatchObject({
      status: 'SETTLED',
      version: 4,
      actor: 'ops@alpes',
      reason: 'order refunded',
      clawbackId: 'claw-9',
      clawbackExternalRef: 'ORD-1:clawback',
      clawbackAmountMinor: -1250,
    });
  });

  it('settle invents a UUID for the clawback when none is given', () => {
    const c = settling();
    c.reverse(reverseProps);
    expect(c.settle(LATER).clawback!.id).toMatch(UUID);
  });

  it('a pending reversal becomes REVERSED when the payment is released', () => {
    const c = settling();
    c.reverse(reverseProps);
    c.pullEvents();
    c.release(at(10 * DAY));
    expect(c.toSnapshot()).toMatchObject({
      status: 'REVERSED',
      reversalPending: false,
      settlementId: null,
      paymentId: null,
      reversalReason: 'order refunded',
      version: 4,
    });
    expect(c.pullEvents().map((e) => e.type)).toEqual(['CommissionReversed']);
  });

  it('claws back a SETTLED commission: the original stays SETTLED, the clawback is payable at once', () => {
    const c = settled();
    const { clawback } = c.reverse(reverseProps);
    expect(c.toSnapshot()).toMatchObject({
      status: 'SETTLED',
      reversalReason: 'order refunded',
      reversedBy: 'ops@alpes',
      reversedAt: LATER.toISOString(),
      reversalPending: false,
      settlementId: 'set-1',
      paymentId: 'pay-1',
      version: 4,
    });
    // A fresh entry like `snapshot()`: in no settlement, not reversed, version 1.
    expect(clawback!.toSnapshot()).toEqual(
      snapshot({
        id: 'claw-1',
        externalRef: 'ORD-1:clawback',
        amountMinor: -1250,
        kind: 'CLAWBACK',
        description: 'Clawback of ORD-1: order refunded',
        occurredAt: LATER.toISOString(),
        holdUntil: LATER.toISOString(),
        status: 'PAYABLE',
        clawbackOf: 'ORD-1',
        createdAt: LATER.toISOString(),
        updatedAt: LATER.toISOString(),
      }),
    );
    expect(clawback!.pullEvents()).toEqual([]);
    expect(c.pullEvents().map((e) => e.type)).toEqual(['CommissionClawbackCreated']);
    // No hold: it can join the very next settlement run.
    clawback!.claim('set-2', 'pay-2', LATER);
    expect(clawback!.status).toBe('SETTLING');
  });

  it('clips a long clawback description to 500 code points', () => {
    const c = Commission.fromSnapshot(snapshot({ externalRef: 'r'.repeat(90), status: 'SETTLED' }));
    const { clawback } = c.reverse({ ...reverseProps, reason: '😀'.repeat(500) });
    const description = clawback!.toSnapshot().description;
    expect(Array.from(description)).toHaveLength(500);
    expect(description.endsWith('😀…')).toBe(true);
    expect(clawback!.externalRef).toHaveLength(99);
  });

  it('original and clawback always net to zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (amountMinor) => {
        const c = Commission.fromSnapshot(snapshot({ amountMinor, status: 'SETTLED' }));
        expect(c.amountMinor + c.reverse(reverseProps).clawback!.amountMinor).toBe(0);
      }),
    );
  });

  it.each([
    [
      'REVERSED',
      () => Commission.fromSnapshot(snapshot({ status: 'REVERSED', reversedAt: LATER.toISOString() })),
    ],
    [
      'reversal-pending',
      () => {
        const c = settling();
        c.reverse(reverseProps);
        return c;
      },
    ],
    [
      'clawed-back',
      () => {
        const c = settled();
        c.reverse(reverseProps);
        return c;
      },
    ],
    [
      'clawed-back then refunded (PAYABLE again)',
      () => {
        const c = settled();
        c.reverse(reverseProps);
        c.returnAfterRefund({ reverse: false, actor: 'ops', now: LATER });
        return c;
      },
    ],
  ])('refuses to reverse a %s commission again', (_label, make) => {
    const c = make();
    const version = c.version;
    expectDomainError(() => c.reverse(reverseProps), ErrorCodes.COMMISSION_ALREADY_REVERSED);
    expect(c.version).toBe(version);
  });

  it('refuses to reverse a clawback', () => {
    const claw = settled().reverse(reverseProps).clawback!;
    expectDomainError(() => claw.reverse(reverseProps), ErrorCodes.COMMISSION_NOT_REVERSIBLE);
  });
});

describe('returnAfterRefund', () => {
  it('returns a SETTLED commission to PAYABLE and unlinks it', () => {
    const c = settled();
    c.returnAfterRefund({ reverse: false, actor: 'ops', now: LATER });
    expect(c.toSnapshot()).toMatchObject({
      status: 'PAYABLE',
      settlementId: null,
      paymentId: null,
      reversedAt: null,
      version: 4,
      updatedAt: LATER.toISOString(),
    });
    expect(c.pullEvents()).toEqual([]);
  });

  it('reverses it instead when asked', () => {
    const c = settled();
    c.returnAfterRefund({ reverse: true, actor: 'ops', reason: ' fraud ', now: LATER });
    expect(c.toSnapshot()).toMatchObject({
      status: 'REVERSED',
      reversalReason: 'fraud',
      reversedBy: 'ops',
      reversedAt: LATER.toISOString(),
      settlementId: null,
      paymentId: null,
      version: 4,
    });
    expect(c.pullEvents().map((e) => e.type)).toEqual(['CommissionReversed']);
  });

  it.each([undefined, null, ''])('requires a reason to reverse (got %p)', (reason) => {
    const c = settled();
    expectDomainError(
      () => c.returnAfterRefund({ reverse: true, actor: 'ops', reason, now: LATER }),
      ErrorCodes.COMMISSION_INVALID_REASON,
    );
    expect(c.status).toBe('SETTLED');
  });

  it.each(['PENDING', 'PAYABLE', 'SETTLING', 'REVERSED'] as const)('refuses a %s commission', (status) => {
    expectDomainError(
      () =>
        Commission.fromSnapshot(snapshot({ status })).returnAfterRefund({
          reverse: false,
          actor: 'o',
          now: LATER,
        }),
      ErrorCodes.COMMISSION_INVALID_TRANSITION,
    );
  });

  it('always returns a clawback to PAYABLE: the partner still owes it', () => {
    const claw = settled().reverse(reverseProps).clawback!;
    claw.claim('set-2', 'pay-2', LATER);
    claw.settle(LATER);
    claw.returnAfterRefund({ reverse: true, actor: 'ops', reason: 'fraud', now: LATER });
    expect(claw.toSnapshot()).toMatchObject({ status: 'PAYABLE', settlementId: null, reversedAt: null });
    expect(claw.pullEvents()).toEqual([]);
  });

  it('returns an already clawed-back commission to PAYABLE even when asked to reverse (its clawback nets it off)', () => {
    const c = settled();
    c.reverse(reverseProps);
    c.pullEvents();
    c.returnAfterRefund({ reverse: true, actor: 'ops', reason: 'fraud', now: at(10 * DAY) });
    expect(c.toSnapshot()).toMatchObject({
      status: 'PAYABLE',
      reversalReason: 'order refunded',
      settlementId: null,
    });
    expect(c.pullEvents()).toEqual([]);
  });
});

describe('versioning', () => {
  it('bumps version and updatedAt on every transition', () => {
    const c = Commission.create(baseProps());
    const steps: Array<[Date, () => void]> = [
      [at(8 * DAY), () => c.claim('s', 'p', at(8 * DAY))],
      [at(9 * DAY), () => c.release(at(9 * DAY))],
      [at(10 * DAY), () => c.claim('s', 'p', at(10 * DAY))],
      [at(11 * DAY), () => c.settle(at(11 * DAY))],
      [at(12 * DAY), () => c.returnAfterRefund({ reverse: false, actor: 'o', now: at(12 * DAY) })],
      [at(13 * DAY), () => c.reverse({ ...reverseProps, now: at(13 * DAY) })],
    ];
    steps.forEach(([when, step], i) => {
      step();
      expect(c.version).toBe(i + 2);
      expect(c.toSnapshot().updatedAt).toBe(when.toISOString());
    });
    expect(c.status).toBe('REVERSED');
  });
});
