import { ErrorCodes } from './domain-error';
import { isTaxFormExpired, TaxProfile, taxFormExpiresOn, type TaxFormInput } from './tax-profile.aggregate';
import { expectDomainError } from '../../test/support/expect-domain-error';

const NOW = new Date('2025-06-10T12:00:00Z');
const form = (overrides: Partial<TaxFormInput> = {}): TaxFormInput => ({
  formType: 'W-8BEN',
  taxId: 'DE 123-456-7890',
  legalName: 'Ana Müller',
  country: 'de',
  address: 'Hauptstraße 1, 10115 Berlin',
  signedAt: '2024-03-15',
  ...overrides,
});
const submitted = (overrides: Partial<TaxFormInput> = {}) =>
  TaxProfile.submit({ partnerId: 'p-1', form: form(overrides), actor: 'partner-key', now: NOW });

describe('tax form expiry', () => {
  it('a W-8BEN / W-8BEN-E runs to the end of the third calendar year after signing', () => {
    expect(taxFormExpiresOn('W-8BEN', '2024-03-15')).toBe('2027-12-31');
    expect(taxFormExpiresOn('W-8BEN-E', '2024-12-31')).toBe('2027-12-31');
    expect(taxFormExpiresOn('W-8BEN', '2025-01-01')).toBe('2028-12-31');
  });

  it('a W-9 and a local form do not expire', () => {
    expect(taxFormExpiresOn('W-9', '2010-01-01')).toBeNull();
    expect(taxFormExpiresOn('CO-RUT', '2010-01-01')).toBeNull();
  });

  it('is valid through its last day (UTC) and expired the day after', () => {
    expect(isTaxFormExpired('2027-12-31', new Date('2027-12-31T23:59:59Z'))).toBe(false);
    expect(isTaxFormExpired('2027-12-31', new Date('2028-01-01T00:00:00Z'))).toBe(true);
    expect(isTaxFormExpired(null, new Date('2999-01-01T00:00:00Z'))).toBe(false);
  });
});

describe('TaxProfile', () => {
  it('is submitted normalised, waiting for review, with its expiry, and an event with the tax id masked', () => {
    const p = submitted();
    expect(p.toSnapshot()).toMatchObject({
      partnerId: 'p-1',
      formType: 'W-8BEN',
      taxId: 'DE 123-456-7890',
      country: 'DE',
      signedAt: '2024-03-15',
      expiresOn: '2027-12-31',
      status: 'SUBMITTED',
      submittedBy: 'partner-key',
      version: 1,
    });
    expect(p.toPublic().taxId).toBe('****7890');
    const events = p.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['TaxProfileSubmitted']);
    expect(events[0]!.data.taxId).toBe('****7890');
    expect(JSON.stringify(events)).not.toContain('123-456');
  });

  it('is approved or rejected (with a reason) once; a resubmission replaces it and needs review again', () => {
    const p = submitted();
    p.reject({ reason: ' name does not match ', actor: 'alice', now: NOW });
    expect(p.toPublic()).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'name does not match',
      reviewedBy: 'alice',
    });
    expectDomainError(() => p.approve({ actor: 'bob', now: NOW }), ErrorCodes.TAX_PROFILE_NOT_IN_REVIEW);
    p.resubmit({
      form: form({ formType: 'W-9', country: 'US', taxId: '12-3456789' }),
      actor: 'admin',
      now: NOW,
    });
    expect(p.toPublic()).toMatchObject({
      status: 'SUBMITTED',
      rejectionReason: null,
      reviewedBy: null,
      formType: 'W-9',
      expiresOn: null,
      version: 3,
    });
    p.approve({ actor: 'bob', now: NOW });
    expect(p.status).toBe('APPROVED');
    expect(p.pullEvents().map((e) => e.type)).toEqual([
      'TaxProfileSubmitted',
      'TaxProfileRejected',
      'TaxProfileSubmitted',
      'TaxProfileApproved',
    ]);
  });

  it('a rejection needs a reason', () => {
    expectDomainError(
      () => submitted().reject({ reason: '  ', actor: 'alice', now: NOW }),
      ErrorCodes.TAX_PROFILE_INVALID_REASON,
    );
  });

  it.each<[string, Partial<TaxFormInput>, string]>([
    ['an unknown form', { formType: 'W-4' }, ErrorCodes.TAX_PROFILE_INVALID_FORM_TYPE],
    ['a W-9 outside the US', { formType: 'W-9' }, ErrorCodes.TAX_PROFILE_INVALID_FORM_FOR_COUNTRY],
    ['a W-8BEN in the US', { country: 'US' }, ErrorCodes.TAX_PROFILE_INVALID_FORM_FOR_COUNTRY],
    ['a RUT outside Colombia', { formType: 'CO-RUT' }, ErrorCodes.TAX_PROFILE_INVALID_FORM_FOR_COUNTRY],
    ['an unknown country', { country: 'XX' }, ErrorCodes.TAX_PROFILE_INVALID_COUNTRY],
    ['a short tax id', { taxId: '12' }, ErrorCodes.TAX_PROFILE_INVALID_TAX_ID],
    ['a tax id with odd characters', { taxId: '12<script>' }, ErrorCodes.TAX_PROFILE_INVALID_TAX_ID],
    ['no legal name', { legalName: ' ' }, ErrorCodes.TAX_PROFILE_INVALID_LEGAL_NAME],
    ['no address', { address: '' }, ErrorCodes.TAX_PROFILE_INVALID_ADDRESS],
    [
      'a signature date that is no date',
      { signedAt: '2024-02-30' },
      ErrorCodes.TAX_PROFILE_INVALID_SIGNED_AT,
    ],
    ['a signature in the future', { signedAt: '2025-06-11' }, ErrorCodes.TAX_PROFILE_INVALID_SIGNED_AT],
  ])('refuses %s', (_what, overrides, code) => {
    expectDomainError(() => submitted(overrides), code);
  });

  it('a Colombian RUT is accepted for CO', () => {
    expect(submitted({ formType: 'co-rut', country: 'CO', taxId: '900.123.456-7' }).toPublic()).toMatchObject(
      {
        formType: 'CO-RUT',
        taxId: '****56-7',
        expiresOn: null,
      },
    );
  });

  it('a refused form never carries the tax id in the error', () => {
    try {
      submitted({ taxId: 'SECRET<1234>' });
      throw new Error('expected a refusal');
    } catch (e) {
      expect(JSON.stringify(e) + String(e)).not.toContain('SECRET');
    }
  });
});
