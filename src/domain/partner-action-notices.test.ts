import { renderNotificationContent } from './notification-content';
import {
  expiryNoticeWindow,
  fixableSkips,
  skippedInSettlementEvent,
  taxFormExpiringEvent,
} from './partner-action-notices';
import { partnerNoticeOf } from './partner-notice';

describe('partner-action notices', () => {
  it('tells only skips the partner can fix, once per partner with every currency', () => {
    const skips = fixableSkips([
      { partnerId: 'b', currency: 'USD', reason: 'TAX_FORM_MISSING' },
      { partnerId: 'b', currency: 'EUR', reason: 'TAX_FORM_MISSING' },
      { partnerId: 'a', currency: 'EUR', reason: 'NO_PAYOUT_METHOD' },
      { partnerId: 'c', currency: 'EUR', reason: 'BELOW_MINIMUM' },
      { partnerId: 'd', currency: 'EUR', reason: 'PARTNER_SUSPENDED' },
      { partnerId: 'e', currency: 'EUR', reason: 'PAYOUT_HOLD' },
      { partnerId: 'f', currency: 'EUR', reason: 'TAX_FORM_PENDING_REVIEW' },
      { partnerId: 'g', currency: 'EUR', reason: 'TAX_FORM_EXPIRED' },
      { partnerId: 'h', currency: 'EUR', reason: 'PAYOUT_METHOD_RETURNED' },
      { partnerId: 'i', currency: 'EUR', reason: 'TAX_FORM_REJECTED' },
    ]);
    expect(skips).toEqual([
      { partnerId: 'a', reason: 'NO_PAYOUT_METHOD', currencies: ['EUR'] },
      { partnerId: 'b', reason: 'TAX_FORM_MISSING', currencies: ['EUR', 'USD'] },
      { partnerId: 'g', reason: 'TAX_FORM_EXPIRED', currencies: ['EUR'] },
      { partnerId: 'h', reason: 'PAYOUT_METHOD_RETURNED', currencies: ['EUR'] },
      { partnerId: 'i', reason: 'TAX_FORM_REJECTED', currencies: ['EUR'] },
    ]);
  });

  it('the expiry window runs from today (still valid) to today + days', () => {
    expect(expiryNoticeWindow(new Date('2026-12-06T10:00:00Z'), 30)).toEqual({
      from: '2026-12-06',
      to: '2027-01-05',
    });
  });

  it('a skip event becomes a PAYOUT_SKIPPED notice saying why and what to do', () => {
    const event = skippedInSettlementEvent({
      id: '00000000-0000-4000-8000-000000000001',
      settlementId: 'settlement:2026-12-05:CHF',
      skip: { partnerId: 'p-1', reason: 'TAX_FORM_MISSING', currencies: ['CHF'] },
      now: new Date('2026-12-06T00:00:00Z'),
    });
    const notice = partnerNoticeOf(event, 0);
    expect(notice).toMatchObject({
      partnerId: 'p-1',
      sourceEventId: `${event.id}:PartnerSkippedInSettlement`,
      reason: 'TAX_FORM_MISSING',
      settlementId: 'settlement:2026-12-05:CHF',
      currencies: ['CHF'],
    });
    const {
      partnerId: _p,
      sourceEventId: _s,
      ...facts
    } = notice as NonNullable<typeof notice> & {
      settlementId: string;
    };
    const content = renderNotificationContent('PAYOUT_SKIPPED', facts as never, 'Ana');
    expect(content.subject).toMatch(/not paid in this run/);
    expect(content.body).toContain('Reason: TAX_FORM_MISSING');
    expect(content.body).toContain('What to do: Submit your tax form');
    expect(content.body).toContain('CHF');
  });

  it('an expiring form becomes a TAX_FORM_EXPIRING notice with its expiry day', () => {
    const event = taxFormExpiringEvent({
      id: '00000000-0000-4000-8000-000000000002',
      partnerId: 'p-2',
      formType: 'W-8BEN',
      expiresOn: '2026-12-31',
      now: new Date('2026-12-06T00:00:00Z'),
    });
    const notice = partnerNoticeOf(event, 0)!;
    expect(notice).toMatchObject({ eventType: 'PartnerTaxFormExpiring', expiresOn: '2026-12-31' });
    const { partnerId: _p, sourceEventId: _s, ...facts } = notice;
    const content = renderNotificationContent('TAX_FORM_EXPIRING', facts as never, 'Ana');
    expect(content.subject).toBe('Alpes Partners: Your W-8BEN form expires on 2026-12-31');
    // The wrong family of facts is refused.
    expect(() => renderNotificationContent('PAYMENT_COMPLETED', facts as never, 'Ana')).toThrow();
  });
});
