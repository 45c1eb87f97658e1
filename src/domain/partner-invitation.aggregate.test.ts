import { PartnerInvitation } from './partner-invitation.aggregate';

const HASH = 'a'.repeat(64);
const T0 = new Date('2026-12-01T00:00:00Z');
const DAY = 86_400_000;
const issue = () =>
  PartnerInvitation.issue({
    id: 'inv-1',
    partnerId: 'p-1',
    tokenHash: HASH,
    actor: 'alice',
    ttlMs: 7 * DAY,
    now: T0,
  });

describe('PartnerInvitation', () => {
  it('is issued PENDING with its expiry, and an event on the partner', () => {
    const inv = issue();
    expect(inv.toSnapshot()).toMatchObject({ status: 'PENDING', expiresAt: '2026-12-08T00:00:00.000Z' });
    expect(inv.pullEvents().map((e) => [e.type, e.partnerId])).toEqual([['PartnerInvited', 'p-1']]);
  });

  it('is accepted once: a second accept is refused as used', () => {
    const inv = issue();
    inv.accept(new Date(T0.getTime() + DAY));
    expect(inv.status).toBe('ACCEPTED');
    expect(() => inv.accept(new Date(T0.getTime() + DAY))).toThrow(
      expect.objectContaining({ code: 'INVITATION.USED' }),
    );
  });

  it('is refused once expired (from its expiry instant on)', () => {
    expect(() => issue().accept(new Date(T0.getTime() + 7 * DAY))).toThrow(
      expect.objectContaining({ code: 'INVITATION.EXPIRED' }),
    );
    expect(() => issue().accept(new Date(T0.getTime() + 7 * DAY - 1))).not.toThrow();
  });

  it('a revoked one cannot be accepted; a TTL must be positive', () => {
    const inv = issue();
    inv.revoke({ actor: 'bob', now: T0 });
    expect(() => inv.accept(T0)).toThrow(expect.objectContaining({ code: 'INVITATION.REVOKED' }));
    expect(() =>
      PartnerInvitation.issue({ id: 'x', partnerId: 'p', tokenHash: HASH, actor: 'a', ttlMs: 0, now: T0 }),
    ).toThrow(expect.objectContaining({ code: 'INVITATION.INVALID_TTL' }));
  });
});
