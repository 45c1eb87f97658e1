import { derivedAuditAction } from './audit';

describe('audit action names derived from the route table', () => {
  it.each([
    ['post', '/payments', 'payment.create', 'payment'],
    ['post', '/payments/:id/approve', 'payment.approve', 'payment'],
    ['post', '/payments/:id/refund', 'payment.refund', 'payment'],
    ['patch', '/partners/:id', 'partner.update', 'partner'],
    ['post', '/partners', 'partner.create', 'partner'],
    [
      'post',
      '/partners/:id/payout-account-change/approve',
      'partner.payout-account-change.approve',
      'partner',
    ],
    ['delete', '/partners/:id/payout-hold', 'partner.payout-hold.delete', 'partner'],
    ['put', '/partners/:id/notification-preferences', 'partner.notification-preferences.update', 'partner'],
    ['post', '/commissions/import', 'commission.import', 'commission'],
    ['post', '/commissions/:externalRef/reverse', 'commission.reverse', 'commission'],
  ] as const)('%s %s → %s', (method, path, action, targetType) => {
    expect(derivedAuditAction(method, path)).toEqual({ action, targetType });
  });
});
