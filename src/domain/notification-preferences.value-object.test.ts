import { NOTIFICATION_TYPES, NotificationErrorCodes } from './notification.aggregate';
import {
  DEFAULT_CHANNELS,
  NotificationPreferences,
  REQUIRED_CHANNELS,
  UNMUTABLE_NOTIFICATION_TYPES,
} from './notification-preferences.value-object';
import { PAYOUT_ACCOUNT_NOTIFICATION_TYPES } from './notification.aggregate';
import { expectDomainError } from '../../test/support/expect-domain-error';

describe('NotificationPreferences', () => {
  it('defaults: every type has at least one channel, outcomes go everywhere', () => {
    const p = NotificationPreferences.defaults();
    for (const type of NOTIFICATION_TYPES) expect(p.channelsFor(type).length).toBeGreaterThan(0);
    expect(p.channelsFor('PAYMENT_COMPLETED')).toEqual(['EMAIL', 'WEBHOOK', 'IN_APP']);
    expect(p.effective()).toEqual(DEFAULT_CHANNELS);
    expect(p.toStored()).toEqual({});
  });

  it('stores only the types the partner chose, normalised; the rest follow the defaults', () => {
    const p = NotificationPreferences.create({
      PAYMENT_COMPLETED: ['IN_APP', 'EMAIL', 'EMAIL'],
      PAYMENT_CREATED: [],
    });
    expect(p.toStored()).toEqual({ PAYMENT_COMPLETED: ['EMAIL', 'IN_APP'], PAYMENT_CREATED: [] });
    expect(p.channelsFor('PAYMENT_COMPLETED')).toEqual(['EMAIL', 'IN_APP']);
    expect(p.channelsFor('PAYMENT_CREATED')).toEqual([]);
    expect(p.channelsFor('PAYMENT_REJECTED')).toEqual(DEFAULT_CHANNELS.PAYMENT_REJECTED);
  });

  it.each(UNMUTABLE_NOTIFICATION_TYPES.filter((t) => !REQUIRED_CHANNELS[t]))(
    'refuses to mute %s entirely, but allows narrowing it',
    (type) => {
      expectDomainError(
        () => NotificationPreferences.create({ [type]: [] }),
        NotificationErrorCodes.TYPE_NOT_MUTABLE,
      );
      expect(NotificationPreferences.create({ [type]: ['WEBHOOK'] }).channelsFor(type)).toEqual(['WEBHOOK']);
    },
  );

  describe('payout-account notices (security): email and webhook cannot be switched off', () => {
    it.each(PAYOUT_ACCOUNT_NOTIFICATION_TYPES)('%s: unmutable, every channel by default', (type) => {
      expect(UNMUTABLE_NOTIFICATION_TYPES).toContain(type);
      expect(REQUIRED_CHANNELS[type]).toEqual(['EMAIL', 'WEBHOOK']);
      expect(NotificationPreferences.defaults().channelsFor(type)).toEqual(['EMAIL', 'WEBHOOK', 'IN_APP']);
    });

    it.each(PAYOUT_ACCOUNT_NOTIFICATION_TYPES)('%s: a choice without email or webhook is refused', (type) => {
      for (const channels of [[], ['IN_APP'], ['EMAIL'], ['WEBHOOK', 'IN_APP']]) {
        expectDomainError(
          () => NotificationPreferences.create({ [type]: channels }),
          NotificationErrorCodes.TYPE_NOT_MUTABLE,
        );
      }
    });

    it.each(PAYOUT_ACCOUNT_NOTIFICATION_TYPES)('%s: only the in-app copy may be switched off', (type) => {
      const p = NotificationPreferences.create({ [type]: ['WEBHOOK', 'EMAIL'] });
      expect(p.channelsFor(type)).toEqual(['EMAIL', 'WEBHOOK']);
      // A full round trip of what GET returns is accepted as it is.
      const all = NotificationPreferences.create(NotificationPreferences.defaults().effective());
      expect(all.channelsFor(type)).toEqual(['EMAIL', 'WEBHOOK', 'IN_APP']);
    });

    it.each(PAYOUT_ACCOUNT_NOTIFICATION_TYPES)(
      '%s: stored data that mutes it (older data, a write around the API) still gets email and webhook',
      (type) => {
        expect(NotificationPreferences.fromStored({ [type]: [] }).channelsFor(type)).toEqual([
          'EMAIL',
          'WEBHOOK',
        ]);
        expect(NotificationPreferences.fromStored({ [type]: ['IN_APP'] }).channelsFor(type)).toEqual([
          'EMAIL',
          'WEBHOOK',
          'IN_APP',
        ]);
        expect(NotificationPreferences.fromStored({ [type]: [] }).effective()[type]).toEqual([
          'EMAIL',
          'WEBHOOK',
        ]);
      },
    );
  });

  it('still emails an unmutable type when stored data mutes it', () => {
    const p = NotificationPreferences.fromStored({ PAYMENT_FAILED: [], PAYMENT_CREATED: [] });
    expect(p.channelsFor('PAYMENT_FAILED')).toEqual(['EMAIL']);
    expect(p.channelsFor('PAYMENT_CREATED')).toEqual([]);
  });

  it.each([
    ['not an object', 'EMAIL'],
    ['an array', []],
    ['null', null],
    ['an unknown type', { PAYMENT_LOST: ['EMAIL'] }],
    ['channels not a list', { PAYMENT_COMPLETED: 'EMAIL' }],
    ['an unknown channel', { PAYMENT_COMPLETED: ['SMS'] }],
  ])('refuses %s', (_label, raw) => {
    expectDomainError(() => NotificationPreferences.create(raw), NotificationErrorCodes.INVALID_PREFERENCES);
  });

  it('reads stored data leniently, ignoring what it does not understand', () => {
    const p = NotificationPreferences.fromStored({ PAYMENT_COMPLETED: ['SMS', 'WEBHOOK'], junk: 1 });
    expect(p.toStored()).toEqual({ PAYMENT_COMPLETED: ['WEBHOOK'] });
    expect(NotificationPreferences.fromStored('garbage').toStored()).toEqual({});
  });
});
