import { Partner } from './partner.aggregate';
import { callsForPartnerNotice, partnerNoticeOf, payoutAccountNoticeOf } from './partner-notice';

const OLD = '0012345678';
const NEW = 'DE89 3704 0044 0532 0130 00';
const COOLOFF = 24 * 3_600_000;
const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);

const partner = (): Partner =>
  Partner.create({ id: 'p-1', name: 'Ana', email: 'ana@example.com', payoutAccount: OLD, now: t0 });

describe('payout-account notices from partner events', () => {
  it('a request: masked accounts, the earliest effective time, a source id from the event', () => {
    const p = partner();
    p.requestPayoutAccountChange({ account: NEW, actor: 'alice', now: at(1_000) });
    const [event] = p.pullEvents();
    const notice = payoutAccountNoticeOf(event!, COOLOFF);
    expect(notice).toEqual({
      partnerId: 'p-1',
      sourceEventId: `${event!.id}:PartnerPayoutAccountChangeRequested`,
      eventType: 'PartnerPayoutAccountChangeRequested',
      fromAccount: '****5678',
      toAccount: '****3000',
      effectiveAt: null,
      earliestEffectiveAt: at(1_000 + COOLOFF).toISOString(),
      reason: null,
      occurredAt: at(1_000).toISOString(),
    });
    // Deterministic: the same event (read back from the log, say) gives the same notice.
    expect(payoutAccountNoticeOf(JSON.parse(JSON.stringify(event)), COOLOFF)).toEqual(notice);
    // No full account number, and no operator name: the partner sees neither.
    const text = JSON.stringify(notice);
    expect(text).not.toContain(OLD);
    expect(text).not.toContain('DE89370400440532013000');
    expect(text).not.toContain('alice');
  });

  it('an approval says when it takes effect; a withdrawal keeps its reason', () => {
    const p = partner();
    p.requestPayoutAccountChange({ account: NEW, actor: 'alice', now: at(0) });
    p.approvePayoutAccountChange({ actor: 'bob', now: at(5_000), cooloffMs: COOLOFF });
    const [, approved] = p.pullEvents();
    expect(payoutAccountNoticeOf(approved!, COOLOFF)).toMatchObject({
      eventType: 'PartnerPayoutAccountChangeApproved',
      effectiveAt: at(5_000 + COOLOFF).toISOString(),
      earliestEffectiveAt: null,
      fromAccount: '****5678',
      toAccount: '****3000',
    });
    p.cancelPayoutAccountChange({ actor: 'bob', now: at(6_000), reason: 'partner called' });
    const [cancelled] = p.pullEvents();
    expect(payoutAccountNoticeOf(cancelled!, COOLOFF)).toMatchObject({
      eventType: 'PartnerPayoutAccountChangeCancelled',
      effectiveAt: null,
      reason: 'partner called',
    });
  });

  it('the change written down after its cool-off, and other partner events, call for no notice', () => {
    const p = partner();
    p.requestPayoutAccountChange({ account: NEW, actor: 'alice', now: at(0) });
    p.approvePayoutAccountChange({ actor: 'bob', now: at(0), cooloffMs: 1_000 });
    p.applyDueAccountChange(at(2_000));
    p.placePayoutHold({ reason: 'audit', actor: 'bob', now: at(3_000) });
    const events = p.pullEvents();
    expect(events.map((e) => e.type)).toEqual([
      'PartnerPayoutAccountChangeRequested',
      'PartnerPayoutAccountChangeApproved',
      'PartnerPayoutAccountChanged',
      'PartnerPayoutHoldPlaced',
    ]);
    expect(events.map(callsForPartnerNotice)).toEqual([true, true, false, false]);
    expect(events.map((e) => payoutAccountNoticeOf(e, COOLOFF) !== undefined)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('a returned payout as a partner notice (through the outbox)', () => {
  const returned = {
    id: 'ev-1',
    type: 'PaymentReturned',
    occurredAt: '2026-03-02T08:00:00.000Z',
    data: { paymentId: 'pay-1', partnerId: 'p-1', amountMinor: 7070, currency: 'EUR', reason: 'AC04 closed' },
  };

  it('calls for a notice, a payment notice keyed by the payment, as the workflow keys its own', () => {
    expect(callsForPartnerNotice(returned)).toBe(true);
    expect(callsForPartnerNotice({ type: 'PaymentCompleted' })).toBe(false);
    expect(partnerNoticeOf(returned, COOLOFF)).toEqual({
      partnerId: 'p-1',
      sourceEventId: 'pay-1:PaymentReturned',
      eventType: 'PaymentReturned',
      paymentId: 'pay-1',
      amountMinor: 7070,
      currency: 'EUR',
      reason: 'AC04 closed',
      occurredAt: '2026-03-02T08:00:00.000Z',
    });
  });

  it('checks what it reads back: no notice from an event missing its facts', () => {
    expect(
      partnerNoticeOf({ ...returned, data: { ...returned.data, amountMinor: '7070' } }, COOLOFF),
    ).toBeUndefined();
    expect(
      partnerNoticeOf({ ...returned, data: { ...returned.data, partnerId: '' } }, COOLOFF),
    ).toBeUndefined();
    expect(partnerNoticeOf({ ...returned, type: 'PaymentCompleted' }, COOLOFF)).toBeUndefined();
  });
});
