import { newEventId, type DomainEvent } from './domain-event';
import { DomainError, ErrorCodes } from './domain-error';
import { isIsoCountry } from './payout-method.value-object';
import { codePointLength } from './text-length.util';

/**
 * The tax forms a partner may file: the IRS forms (W-9 for US persons, W-8BEN / W-8BEN-E for
 * foreign individuals / entities) and local forms named `<country>-<form>` (Colombia's RUT). A
 * local form is only valid for its own country.
 */
export const LOCAL_TAX_FORMS = { 'CO-RUT': 'CO' } as const;
export const TAX_FORM_TYPES = [
  'W-9',
  'W-8BEN',
  'W-8BEN-E',
  ...Object.keys(LOCAL_TAX_FORMS),
] as readonly string[];
export type TaxFormType = 'W-9' | 'W-8BEN' | 'W-8BEN-E' | keyof typeof LOCAL_TAX_FORMS;

export const TAX_PROFILE_STATUSES = ['SUBMITTED', 'APPROVED', 'REJECTED'] as const;
export type TaxProfileStatus = (typeof TAX_PROFILE_STATUSES)[number];

export const TAX_LEGAL_NAME_MAX_LENGTH = 200;
export const TAX_ADDRESS_MAX_LENGTH = 500;
export const TAX_REJECTION_REASON_MAX_LENGTH = 500;
// SSN/EIN/ITIN (9 digits), foreign TINs and the RUT's NIT with its check digit all fit.
const TAX_ID = /^[A-Z0-9][A-Z0-9.\- /]{2,38}[A-Z0-9]$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * When a signed form stops being valid (a `YYYY-MM-DD`, inclusive), or null for forms without an
 * expiry. A W-8BEN / W-8BEN-E stays in effect until the last day of the third calendar year after
 * the year it was signed (IRS instructions for Form W-8BEN): signed 2024-03-15 → 2027-12-31.
 */
export function taxFormExpiresOn(formType: TaxFormType, signedAt: string): string | null {
  if (formType !== 'W-8BEN' && formType !== 'W-8BEN-E') return null;
  return `${Number(signedAt.slice(0, 4)) + 3}-12-31`;
}

/** The form has expired at `now`: it is valid through its whole expiry day (UTC). */
export const isTaxFormExpired = (expiresOn: string | null, now: Date): boolean =>
  expiresOn !== null && now.toISOString().slice(0, 10) > expiresOn;

export interface TaxProfileSnapshot {
  partnerId: string;
  formType: TaxFormType;
  /** Sensitive: the repository keeps it sealed, responses carry `maskTaxId` only. */
  taxId: string;
  legalName: string;
  country: string;
  address: string;
  /** `YYYY-MM-DD`: the signature date on the form. */
  signedAt: string;
  expiresOn: string | null;
  status: TaxProfileStatus;
  rejectionReason: string | null;
  submittedBy: string;
  submittedAt: string;
  reviewedBy: string | null;
  reviewedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What leaves the API and the event log: the tax id as its last four characters. */
export type PublicTaxProfile = Omit<TaxProfileSnapshot, 'taxId'> & { taxId: string };

export type TaxProfileEventType = 'TaxProfileSubmitted' | 'TaxProfileApproved' | 'TaxProfileRejected';
export type TaxProfileDomainEvent = DomainEvent<
  TaxProfileEventType,
  {
    partnerId: string;
    actor: string;
    formType: TaxFormType;
    country: string;
    /** Masked. */
    taxId: string;
    expiresOn: string | null;
    reason: string | null;
    version: number;
  }
>;

export const maskTaxId = (taxId: string): string => `****${taxId.slice(-4)}`;

/** The form as filed: every field checked, values normalised. */
export interface TaxFormInput {
  formType: unknown;
  taxId: unknown;
  legalName: unknown;
  country: unknown;
  address: unknown;
  signedAt: unknown;
}

type TaxForm = Pick<
  TaxProfileSnapshot,
  'formType' | 'taxId' | 'legalName' | 'country' | 'address' | 'signedAt' | 'expiresOn'
>;

// Never the raw value in details: a tax id is sensitive.
const fail = (code: string, message: string): DomainError => new DomainError(code, message);

function text(raw: unknown, max: number, code: string, what: string): string {
  const value = typeof raw === 'string' ? raw.trim() : '';
  const length = codePointLength(value);
  if (length < 1 || length > max) throw fail(code, `${what} must be 1..${max} characters`);
  return value;
}

function validSignedAt(raw: unknown, now: Date): string {
  const value = typeof raw === 'string' ? raw.trim().slice(0, 10) : '';
  const parsed = Date.parse(`${value}T00:00:00Z`);
  if (!DATE.test(value) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== value) {
    throw fail(ErrorCodes.TAX_PROFILE_INVALID_SIGNED_AT, 'signedAt must be a date (YYYY-MM-DD)');
  }
  if (value > now.toISOString().slice(0, 10)) {
    throw fail(ErrorCodes.TAX_PROFILE_INVALID_SIGNED_AT, 'signedAt cannot be in the future');
  }
  return value;
}

function validForm(input: TaxFormInput, now: Date): TaxForm {
  const formType = typeof input.formType === 'string' ? input.formType.trim().toUpperCase() : '';
  if (!TAX_FORM_TYPES.includes(formType)) {
    throw fail(
      ErrorCodes.TAX_PROFILE_INVALID_FORM_TYPE,
      `formType must be one of ${TAX_FORM_TYPES.join(', ')}`,
    );
  }
  const type = formType as TaxFormType;
  const country = typeof input.country === 'string' ? input.country.trim().toUpperCase() : '';
  if (!isIsoCountry(country)) {
    throw fail(ErrorCodes.TAX_PROFILE_INVALID_COUNTRY, 'country must be an ISO 3166-1 alpha-2 code');
  }
  // The forms are not interchangeable: a US person files a W-9, a foreign one a W-8, a local form
  // only in its country.
  const local = (LOCAL_TAX_FORMS as Record<string, string>)[type];
  const fits = local ? country === local : type === 'W-9' ? country === 'US' : country !== 'US';
  if (!fits) {
    throw fail(
      ErrorCodes.TAX_PROFILE_INVALID_FORM_FOR_COUNTRY,
      `A ${type} is not the form for a partner in ${country}`,
    );
  }
  const taxId = typeof input.taxId === 'string' ? input.taxId.trim().toUpperCase() : '';
  if (!TAX_ID.test(taxId)) {
    throw fail(
      ErrorCodes.TAX_PROFILE_INVALID_TAX_ID,
      'taxId must be 4..40 letters and digits (dots, dashes, spaces and slashes between them)',
    );
  }
  const signedAt = validSignedAt(input.signedAt, now);
  return {
    formType: type,
    taxId,
    legalName: text(
      input.legalName,
      TAX_LEGAL_NAME_MAX_LENGTH,
      ErrorCodes.TAX_PROFILE_INVALID_LEGAL_NAME,
      'legalName',
    ),
    country,
    address: text(input.address, TAX_ADDRESS_MAX_LENGTH, ErrorCodes.TAX_PROFILE_INVALID_ADDRESS, 'address'),
    signedAt,
    expiresOn: taxFormExpiresOn(type, signedAt),
  };
}

/**
 * A partner's tax form (one per partner): submitted by the partner (or an admin), reviewed by an
 * operator. A resubmission replaces the form and needs a review again.
 */
export class TaxProfile {
  private pending: TaxProfileDomainEvent[] = [];

  private constructor(private state: TaxProfileSnapshot) {}

  static submit(props: { partnerId: string; form: TaxFormInput; actor: string; now: Date }): TaxProfile {
    const at = props.now.toISOString();
    const profile = new TaxProfile({
      partnerId: props.partnerId,
      ...validForm(props.form, props.now),
      status: 'SUBMITTED',
      rejectionReason: null,
      submittedBy: props.actor,
      submittedAt: at,
      reviewedBy: null,
      reviewedAt: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    profile.record('TaxProfileSubmitted', props.actor, null, at);
    return profile;
  }

  static fromSnapshot(s: TaxProfileSnapshot): TaxProfile {
    return new TaxProfile({ ...s });
  }

  get partnerId(): string {
    return this.state.partnerId;
  }
  get status(): TaxProfileStatus {
    return this.state.status;
  }
  get country(): string {
    return this.state.country;
  }
  get expiresOn(): string | null {
    return this.state.expiresOn;
  }
  get version(): number {
    return this.state.version;
  }

  isExpired(now: Date): boolean {
    return isTaxFormExpired(this.state.expiresOn, now);
  }

  /** A new form replaces the old one whatever its status, and waits for review again. */
  resubmit(props: { form: TaxFormInput; actor: string; now: Date }): void {
    const at = props.now.toISOString();
    this.state = {
      ...this.state,
      ...validForm(props.form, props.now),
      status: 'SUBMITTED',
      rejectionReason: null,
      submittedBy: props.actor,
      submittedAt: at,
      reviewedBy: null,
      reviewedAt: null,
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record('TaxProfileSubmitted', props.actor, null, at);
  }

  approve(props: { actor: string; now: Date }): void {
    this.review('APPROVED', props.actor, null, props.now);
  }

  reject(props: { reason: string; actor: string; now: Date }): void {
    const reason = typeof props.reason === 'string' ? props.reason.trim() : '';
    const length = codePointLength(reason);
    if (length < 1 || length > TAX_REJECTION_REASON_MAX_LENGTH) {
      throw fail(
        ErrorCodes.TAX_PROFILE_INVALID_REASON,
        `A rejection needs a reason of 1..${TAX_REJECTION_REASON_MAX_LENGTH} characters`,
      );
    }
    this.review('REJECTED', props.actor, reason, props.now);
  }

  /** Only a form waiting for review is decided: a decided one is resubmitted first. */
  private review(status: 'APPROVED' | 'REJECTED', actor: string, reason: string | null, now: Date): void {
    if (this.state.status !== 'SUBMITTED') {
      throw new DomainError(
        ErrorCodes.TAX_PROFILE_NOT_IN_REVIEW,
        `The tax profile is ${this.state.status}, not waiting for review`,
        { partnerId: this.state.partnerId, status: this.state.status },
      );
    }
    const at = now.toISOString();
    this.state = {
      ...this.state,
      status,
      rejectionReason: reason,
      reviewedBy: actor,
      reviewedAt: at,
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record(status === 'APPROVED' ? 'TaxProfileApproved' : 'TaxProfileRejected', actor, reason, at);
  }

  pullEvents(): TaxProfileDomainEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  private record(type: TaxProfileEventType, actor: string, reason: string | null, at: string): void {
    const s = this.state;
    this.pending.push({
      id: newEventId(),
      type,
      occurredAt: at,
      aggregate: { type: 'TaxProfile', id: s.partnerId },
      partnerId: s.partnerId,
      data: {
        partnerId: s.partnerId,
        actor,
        formType: s.formType,
        country: s.country,
        taxId: maskTaxId(s.taxId),
        expiresOn: s.expiresOn,
        reason,
        version: s.version,
      },
    });
  }

  /** Full values, tax id included: for the repository only. */
  toSnapshot(): TaxProfileSnapshot {
    return { ...this.state };
  }

  /** For responses and audit entries: the tax id masked. */
  toPublic(): PublicTaxProfile {
    return { ...this.state, taxId: maskTaxId(this.state.taxId) };
  }
}
