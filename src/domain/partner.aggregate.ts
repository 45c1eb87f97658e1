import { isValidIBAN } from 'ibantools';
import { newEventId, type DomainEvent } from './domain-event';
import { DomainError, ErrorCodes } from './domain-error';
import { isKnownCurrency } from './currency.value-object';
import { PayoutMethod, type MaskedPayoutMethod, type PayoutMethodData } from './payout-method.value-object';
import { codePointLength } from './text-length.util';

export type PartnerStatus = 'ACTIVE' | 'SUSPENDED';
export const PARTNER_STATUSES: readonly PartnerStatus[] = ['ACTIVE', 'SUSPENDED'];

/** Why and since when a partner's payouts are stopped; settlement runs skip the partner meanwhile. */
export interface PayoutHold {
  reason: string;
  by: string;
  at: string;
}

export const PAYOUT_HOLD_REASON_MAX_LENGTH = 500;

/**
 * The bank returned a payout to the method in force (reconciliation): settlement runs skip the
 * partner (PAYOUT_METHOD_RETURNED) until a payout-account or method change takes effect after it.
 */
export interface PayoutMethodReturn {
  /** The returned payment. */
  paymentId: string;
  reason: string;
  at: string;
}

/**
 * Whether a return flagged at `flag.at` still stands at `now`: an account or method change that
 * took effect after it clears it, even before the change is written down (that happens lazily).
 * Pure, so the settlement planner's SQL rows and the aggregate judge alike.
 */
export function payoutMethodReturnStands(
  flaggedAt: string | null | undefined,
  changeEffectiveAt: string | null | undefined,
  now: Date,
): boolean {
  if (!flaggedAt) return false;
  if (!changeEffectiveAt) return true;
  const effective = Date.parse(changeEffectiveAt);
  return !(effective <= now.getTime() && effective >= Date.parse(flaggedAt));
}

/** A payout method's currency: an ISO 4217 code, or `*` for the default of every other currency. */
export type MethodCurrency = string;
export const ALL_CURRENCIES: MethodCurrency = '*';

/**
 * A new payout account or payout method, requested by one person and approved by another; it takes
 * effect a cool-off period after the approval, so the partner (who is told at each step) can object
 * before any money goes to it. Only one change is pending at a time. Either `account` (the legacy
 * single account) or `currency` + `method` is set.
 */
export interface PayoutAccountChange {
  account: string | null;
  /** A method change: the currency it is for (`*`: every currency without one of its own). */
  currency?: MethodCurrency | null;
  method?: PayoutMethodData | null;
  requestedBy: string;
  requestedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  effectiveAt: string | null;
}

export type PartnerEventType =
  | 'PartnerPayoutHoldPlaced'
  | 'PartnerPayoutHoldReleased'
  | 'PartnerPayoutAccountChangeRequested'
  | 'PartnerPayoutAccountChangeApproved'
  | 'PartnerPayoutAccountChangeCancelled'
  | 'PartnerPayoutAccountChanged';
export type PartnerEventData = {
  partnerId: string;
  actor: string;
  reason: string | null;
  version: number;
  /** Account changes: masked accounts only (events are streamed and logged). */
  fromAccount?: string;
  toAccount?: string;
  effectiveAt?: string | null;
  /** Method changes: which currency (`*`: all) and the new method, masked. */
  currency?: MethodCurrency;
  toMethod?: MaskedPayoutMethod;
};
export type PartnerDomainEvent = DomainEvent<PartnerEventType, PartnerEventData>;

export interface PartnerSnapshot {
  id: string;
  name: string;
  email: string;
  payoutAccount: string;
  webhookUrl: string | null;
  status: PartnerStatus;
  payoutHold: PayoutHold | null;
  pendingAccountChange: PayoutAccountChange | null;
  /** Payout methods by currency (`*`: the default for all others). Absent in snapshots from before methods. */
  payoutMethods?: Record<MethodCurrency, PayoutMethodData>;
  /** Absent (or null) unless the bank returned a payout to the method in force. */
  payoutMethodReturned?: PayoutMethodReturn | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const PARTNER_NAME_MAX_LENGTH = 200;

/** Bank account a partner is paid into: a checksummed IBAN or a plain domestic account number. */
export class PayoutAccount {
  private constructor(
    readonly value: string,
    readonly kind: 'IBAN' | 'ACCOUNT_NUMBER',
  ) {
    Object.freeze(this);
  }

  static create(raw: string): PayoutAccount {
    if (typeof raw !== 'string') throw PayoutAccount.invalid('Payout account must be a string');

    const compact = raw.replace(/\s+/g, '').toUpperCase();
    // Anything starting like an IBAN must *be* a valid IBAN; a typo must not be silently accepted
    // as some other kind of account.
    if (/^[A-Z]{2}\d{2}/.test(compact)) {
      // ibantools: the checksum and each country's length and BBAN format, maintained upstream.
      if (!isValidIBAN(compact)) throw PayoutAccount.invalid('IBAN is not valid');
      return new PayoutAccount(compact, 'IBAN');
    }

    const digits = raw.replace(/[\s-]+/g, '');
    if (/^\d{6,20}$/.test(digits)) return new PayoutAccount(digits, 'ACCOUNT_NUMBER');

    throw PayoutAccount.invalid('Payout account must be an IBAN or a 6..20 digit account number');
  }

  /** Safe to show in UIs and logs. */
  masked(): string {
    return `****${this.value.slice(-4)}`;
  }

  equals(other: PayoutAccount): boolean {
    return this.value === other.value;
  }

  private static invalid(message: string): DomainError {
    // The raw value is deliberately not included in details: it is sensitive banking data.
    return new DomainError(ErrorCodes.PARTNER_INVALID_PAYOUT_ACCOUNT, message);
  }
}

// Pragmatic RFC 5322 subset (the HTML living-standard rule plus a mandatory dot in the domain):
// strict enough to catch typos, loose enough not to reject real addresses.
const EMAIL_PATTERN =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

function validName(raw: string): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  const length = codePointLength(name);
  if (length < 1 || length > PARTNER_NAME_MAX_LENGTH) {
    throw new DomainError(
      ErrorCodes.PARTNER_INVALID_NAME,
      `Partner name must be 1..${PARTNER_NAME_MAX_LENGTH} characters`,
    );
  }
  return name;
}

function validEmail(raw: string): string {
  const email = typeof raw === 'string' ? raw.trim() : '';
  const at = email.lastIndexOf('@');
  if (email.length > 254 || at > 64 || !EMAIL_PATTERN.test(email)) {
    throw new DomainError(ErrorCodes.PARTNER_INVALID_EMAIL, 'Partner email is not a valid address', {
      email: raw,
    });
  }
  return email;
}

function validWebhookUrl(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const invalid = (): DomainError =>
    new DomainError(ErrorCodes.PARTNER_INVALID_WEBHOOK_URL, 'Webhook URL must be an absolute http(s) URL', {
      webhookUrl: raw,
    });
  if (typeof raw !== 'string') throw invalid();
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') throw invalid();
  // Stored as given (trimmed) rather than URL-normalised, so what the partner sees is what they sent.
  return text;
}

function validStatus(raw: PartnerStatus): PartnerStatus {
  if (!PARTNER_STATUSES.includes(raw)) {
    throw new DomainError(ErrorCodes.PARTNER_INVALID_STATUS, `Unknown partner status: ${String(raw)}`, {
      status: raw,
    });
  }
  return raw;
}

/** The snapshot, with the payout account and methods as value objects. */
type PartnerState = Omit<PartnerSnapshot, 'payoutAccount' | 'payoutMethods' | 'payoutMethodReturned'> & {
  payoutMethodReturned: PayoutMethodReturn | null;
  payoutAccount: PayoutAccount;
  payoutMethods: Readonly<Record<MethodCurrency, PayoutMethod>>;
};

function validMethodCurrency(raw: unknown): MethodCurrency {
  const code = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  if (code !== ALL_CURRENCIES && !isKnownCurrency(code)) {
    throw new DomainError(
      ErrorCodes.PARTNER_INVALID_METHOD_CURRENCY,
      'A payout method is for an ISO 4217 currency, or * for all currencies',
    );
  }
  return code;
}

export interface CreatePartnerProps {
  id: string;
  name: string;
  email: string;
  payoutAccount: string;
  webhookUrl?: string | null;
  now: Date;
}

export interface PartnerChanges {
  name?: string;
  email?: string;
  payoutAccount?: string;
  webhookUrl?: string | null;
  status?: PartnerStatus;
}

/** An affiliate who earns commissions and is paid out to their payout account. */
export class Partner {
  private pending: PartnerDomainEvent[] = [];

  private constructor(private state: PartnerState) {}

  static create(props: CreatePartnerProps): Partner {
    const at = props.now.toISOString();
    return new Partner({
      id: props.id,
      name: validName(props.name),
      email: validEmail(props.email),
      payoutAccount: PayoutAccount.create(props.payoutAccount),
      webhookUrl: validWebhookUrl(props.webhookUrl),
      status: 'ACTIVE',
      payoutHold: null,
      pendingAccountChange: null,
      payoutMethods: {},
      payoutMethodReturned: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
  }

  static fromSnapshot(s: PartnerSnapshot): Partner {
    return new Partner({
      id: s.id,
      name: s.name,
      email: s.email,
      payoutAccount: PayoutAccount.create(s.payoutAccount),
      webhookUrl: s.webhookUrl,
      status: s.status,
      payoutHold: s.payoutHold ?? null,
      pendingAccountChange: s.pendingAccountChange ?? null,
      payoutMethods: Object.fromEntries(
        Object.entries(s.payoutMethods ?? {}).map(([currency, data]) => [
          currency,
          PayoutMethod.fromData(data),
        ]),
      ),
      payoutMethodReturned: s.payoutMethodReturned ?? null,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      version: s.version,
    });
  }

  get id(): string {
    return this.state.id;
  }
  get status(): PartnerStatus {
    return this.state.status;
  }
  get name(): string {
    return this.state.name;
  }
  get email(): string {
    return this.state.email;
  }
  get payoutAccount(): PayoutAccount {
    return this.state.payoutAccount;
  }
  get webhookUrl(): string | null {
    return this.state.webhookUrl;
  }
  get version(): number {
    return this.state.version;
  }
  get payoutHold(): PayoutHold | null {
    return this.state.payoutHold;
  }

  /**
   * Applies a partial update atomically: everything is validated before anything changes.
   * `webhookUrl: null` clears the webhook; an omitted field is left alone. Version and updatedAt
   * only move when something actually changed, so repeating an update is a no-op.
   */
  update(changes: PartnerChanges, now: Date): void {
    const next: PartnerState = { ...this.state };
    if (changes.name !== undefined) next.name = validName(changes.name);
    if (changes.email !== undefined) next.email = validEmail(changes.email);
    if (changes.payoutAccount !== undefined) {
      const account = PayoutAccount.create(changes.payoutAccount);
      // Redirecting money is never a plain edit: it needs a second person and a cool-off.
      if (!account.equals(this.state.payoutAccount)) {
        throw new DomainError(
          ErrorCodes.PARTNER_ACCOUNT_CHANGE_NEEDS_APPROVAL,
          'A payout account is changed by request and approval (POST /partners/:id/payout-account-change)',
          { partnerId: this.state.id },
        );
      }
    }
    if (changes.webhookUrl !== undefined) next.webhookUrl = validWebhookUrl(changes.webhookUrl);
    if (changes.status !== undefined) next.status = validStatus(changes.status);

    const s = this.state;
    const changed =
      next.name !== s.name ||
      next.email !== s.email ||
      !next.payoutAccount.equals(s.payoutAccount) ||
      next.webhookUrl !== s.webhookUrl ||
      next.status !== s.status;
    if (!changed) return;

    this.state = { ...next, updatedAt: now.toISOString(), version: s.version + 1 };
  }

  suspend(now: Date): void {
    this.update({ status: 'SUSPENDED' }, now);
  }

  activate(now: Date): void {
    this.update({ status: 'ACTIVE' }, now);
  }

  assertCanReceivePayments(): void {
    if (this.state.status === 'SUSPENDED') {
      throw new DomainError(ErrorCodes.PARTNER_SUSPENDED, `Partner ${this.state.id} is suspended`, {
        partnerId: this.state.id,
      });
    }
    const hold = this.state.payoutHold;
    if (hold) {
      throw new DomainError(
        ErrorCodes.PARTNER_PAYOUT_HOLD,
        `Payouts to partner ${this.state.id} are on hold since ${hold.at}: ${hold.reason}`,
        { partnerId: this.state.id, holdReason: hold.reason, holdSince: hold.at },
      );
    }
  }

  /**
   * Stops payouts (fraud review, missing tax form…) until released. Placing a hold that is already
   * in place is refused rather than silently replacing who placed it and why.
   */
  placePayoutHold(props: { reason: string; actor: string; now: Date }): void {
    if (this.state.payoutHold) {
      throw new DomainError(
        ErrorCodes.PARTNER_ALREADY_ON_HOLD,
        `Partner ${this.state.id} is already on hold`,
        {
          partnerId: this.state.id,
          holdSince: this.state.payoutHold.at,
        },
      );
    }
    const reason = typeof props.reason === 'string' ? props.reason.trim() : '';
    if (codePointLength(reason) < 1 || codePointLength(reason) > PAYOUT_HOLD_REASON_MAX_LENGTH) {
      throw new DomainError(
        ErrorCodes.PARTNER_INVALID_HOLD_REASON,
        `A payout hold needs a reason of 1..${PAYOUT_HOLD_REASON_MAX_LENGTH} characters`,
      );
    }
    const at = props.now.toISOString();
    this.state = {
      ...this.state,
      payoutHold: { reason, by: props.actor, at },
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record('PartnerPayoutHoldPlaced', props.actor, reason, at);
  }

  releasePayoutHold(props: { actor: string; now: Date }): void {
    if (!this.state.payoutHold) {
      throw new DomainError(ErrorCodes.PARTNER_NOT_ON_HOLD, `Partner ${this.state.id} is not on hold`, {
        partnerId: this.state.id,
      });
    }
    const at = props.now.toISOString();
    this.state = { ...this.state, payoutHold: null, updatedAt: at, version: this.state.version + 1 };
    this.record('PartnerPayoutHoldReleased', props.actor, null, at);
  }

  get pendingAccountChange(): PayoutAccountChange | null {
    return this.state.pendingAccountChange;
  }

  /** The account money goes to at `now`: an approved change counts from its effective time. */
  payoutAccountAt(now: Date): PayoutAccount {
    const change = this.state.pendingAccountChange;
    if (change?.account && change.effectiveAt && Date.parse(change.effectiveAt) <= now.getTime())
      return PayoutAccount.create(change.account);
    return this.state.payoutAccount;
  }

  /** One change at a time: a due one takes effect first, a pending one must be withdrawn. */
  private refuseWhileChangePending(now: Date): void {
    this.applyDueAccountChange(now);
    if (this.state.pendingAccountChange) {
      throw new DomainError(
        ErrorCodes.PARTNER_ACCOUNT_CHANGE_PENDING,
        `Partner ${this.state.id} already has a payout-account change pending; cancel it first`,
        { partnerId: this.state.id },
      );
    }
  }

  requestPayoutAccountChange(props: { account: string; actor: string; now: Date }): void {
    const account = PayoutAccount.create(props.account);
    this.refuseWhileChangePending(props.now);
    if (account.equals(this.state.payoutAccount)) {
      throw new DomainError(ErrorCodes.PARTNER_ACCOUNT_UNCHANGED, 'That is already the payout account', {
        partnerId: this.state.id,
      });
    }
    const at = props.now.toISOString();
    this.state = {
      ...this.state,
      pendingAccountChange: {
        account: account.value,
        requestedBy: props.actor,
        requestedAt: at,
        approvedBy: null,
        approvedAt: null,
        effectiveAt: null,
      },
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record('PartnerPayoutAccountChangeRequested', props.actor, null, at, {
      fromAccount: this.state.payoutAccount.masked(),
      toAccount: account.masked(),
    });
  }

  /** Four-eyes: the requester cannot approve; the change takes effect `cooloffMs` later. */
  approvePayoutAccountChange(props: { actor: string; now: Date; cooloffMs: number }): void {
    const change = this.requirePendingChange();
    if (change.approvedBy) {
      throw new DomainError(ErrorCodes.PARTNER_ACCOUNT_CHANGE_APPROVED, 'The change is already approved', {
        partnerId: this.state.id,
        effectiveAt: change.effectiveAt,
      });
    }
    if (props.actor === change.requestedBy) {
      throw new DomainError(
        ErrorCodes.PARTNER_FOUR_EYES_VIOLATION,
        'The person who requested a payout-account change cannot approve it',
        { partnerId: this.state.id },
      );
    }
    const at = props.now.toISOString();
    const effectiveAt = new Date(props.now.getTime() + Math.max(0, props.cooloffMs)).toISOString();
    this.state = {
      ...this.state,
      pendingAccountChange: { ...change, approvedBy: props.actor, approvedAt: at, effectiveAt },
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record('PartnerPayoutAccountChangeApproved', props.actor, null, at, {
      ...this.changeFacts(change),
      effectiveAt,
    });
  }

  /** Withdraws a change that has not taken effect yet (by anyone allowed to request one). */
  cancelPayoutAccountChange(props: { actor: string; now: Date; reason?: string | null }): void {
    this.applyDueAccountChange(props.now);
    const change = this.requirePendingChange();
    const at = props.now.toISOString();
    this.state = {
      ...this.state,
      pendingAccountChange: null,
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record(
      'PartnerPayoutAccountChangeCancelled',
      props.actor,
      props.reason ?? null,
      at,
      this.changeFacts(change),
    );
  }

  /**
   * The bank returned `paymentId`, paid to the method in force: runs skip the partner until their
   * payout method changes. A later return replaces an earlier one (the latest is what stands).
   */
  flagPayoutMethodReturned(props: { paymentId: string; reason: string; now: Date }): void {
    const at = props.now.toISOString();
    this.state = {
      ...this.state,
      payoutMethodReturned: {
        paymentId: props.paymentId,
        reason: Array.from(props.reason).slice(0, PAYOUT_HOLD_REASON_MAX_LENGTH).join(''),
        at,
      },
      updatedAt: at,
      version: this.state.version + 1,
    };
  }

  /** The return that still keeps the partner out of runs at `now`, if any (see payoutMethodReturnStands). */
  payoutMethodReturnedAt(now: Date): PayoutMethodReturn | null {
    const flag = this.state.payoutMethodReturned;
    return flag && payoutMethodReturnStands(flag.at, this.state.pendingAccountChange?.effectiveAt, now)
      ? flag
      : null;
  }

  /** Writes down a change whose cool-off has passed; true when something changed. */
  applyDueAccountChange(now: Date): boolean {
    const change = this.state.pendingAccountChange;
    if (!change?.effectiveAt || Date.parse(change.effectiveAt) > now.getTime()) return false;
    const facts = this.changeFacts(change);
    const at = now.toISOString();
    const target = methodChangeOf(change);
    const returned = this.state.payoutMethodReturned;
    this.state = {
      ...this.state,
      // The new method is the fix a return asked for: it clears a return flagged before it took effect.
      payoutMethodReturned:
        returned && payoutMethodReturnStands(returned.at, change.effectiveAt, now) ? returned : null,
      ...(target
        ? { payoutMethods: Object.freeze({ ...this.state.payoutMethods, [target.currency]: target.method }) }
        : { payoutAccount: PayoutAccount.create(change.account ?? '') }),
      pendingAccountChange: null,
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record('PartnerPayoutAccountChanged', change.approvedBy ?? 'system', null, change.effectiveAt, {
      ...facts,
      effectiveAt: change.effectiveAt,
    });
    return true;
  }

  /** The methods in force by currency (`*`: the default), as last written down. */
  get payoutMethods(): ReadonlyArray<{ currency: MethodCurrency; method: PayoutMethod }> {
    return Object.entries(this.state.payoutMethods)
      .sort(([a], [b]) => (a === b ? 0 : a < b ? -1 : 1))
      .map(([currency, method]) => ({ currency, method }));
  }

  /**
   * How the partner is paid in `currency` at `now` (an approved change counts from its effective
   * time): that currency's method, else the `*` default, else the legacy payout account as a bank
   * transfer.
   */
  defaultMethodFor(currency: string, now: Date): PayoutMethod {
    const change = this.state.pendingAccountChange;
    const target =
      change?.effectiveAt && Date.parse(change.effectiveAt) <= now.getTime() ? methodChangeOf(change) : null;
    const methods = target
      ? { ...this.state.payoutMethods, [target.currency]: target.method }
      : this.state.payoutMethods;
    const code = currency.toUpperCase();
    return (
      methods[code] ??
      methods[ALL_CURRENCIES] ??
      PayoutMethod.fromLegacyAccount(this.payoutAccountAt(now).value)
    );
  }

  /**
   * Asks for a new payout method for one currency (or `*`, every currency without its own): like an
   * account change it waits for a second person's approval and the cool-off, and the partner is told.
   */
  requestPayoutMethodChange(props: { currency: string; method: unknown; actor: string; now: Date }): void {
    const currency = validMethodCurrency(props.currency);
    const method = props.method instanceof PayoutMethod ? props.method : PayoutMethod.create(props.method);
    this.refuseWhileChangePending(props.now);
    if (this.state.payoutMethods[currency]?.equals(method)) {
      throw new DomainError(
        ErrorCodes.PARTNER_ACCOUNT_UNCHANGED,
        `That is already the ${currency} payout method`,
        {
          partnerId: this.state.id,
        },
      );
    }
    const at = props.now.toISOString();
    const change: PayoutAccountChange = {
      account: null,
      currency,
      method: method.data,
      requestedBy: props.actor,
      requestedAt: at,
      approvedBy: null,
      approvedAt: null,
      effectiveAt: null,
    };
    this.state = {
      ...this.state,
      pendingAccountChange: change,
      updatedAt: at,
      version: this.state.version + 1,
    };
    this.record('PartnerPayoutAccountChangeRequested', props.actor, null, at, this.changeFacts(change));
  }

  /** A change's event facts, masked: what it replaces and with what (and for which currency). */
  private changeFacts(
    change: PayoutAccountChange,
  ): Pick<PartnerEventData, 'fromAccount' | 'toAccount' | 'currency' | 'toMethod'> {
    const target = methodChangeOf(change);
    if (!target) {
      return {
        fromAccount: this.state.payoutAccount.masked(),
        toAccount: PayoutAccount.create(change.account ?? '').masked(),
      };
    }
    const current =
      this.state.payoutMethods[target.currency] ??
      this.state.payoutMethods[ALL_CURRENCIES] ??
      PayoutMethod.fromLegacyAccount(this.state.payoutAccount.value);
    return {
      fromAccount: current.maskedShort(),
      toAccount: target.method.maskedShort(),
      currency: target.currency,
      toMethod: target.method.masked(),
    };
  }

  private requirePendingChange(): PayoutAccountChange {
    const change = this.state.pendingAccountChange;
    if (!change) {
      throw new DomainError(
        ErrorCodes.PARTNER_NO_ACCOUNT_CHANGE,
        `Partner ${this.state.id} has no payout-account change pending`,
        {
          partnerId: this.state.id,
        },
      );
    }
    return change;
  }

  /** Returns the events recorded since the last call, oldest first, and forgets them. */
  pullEvents(): PartnerDomainEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  private record(
    type: PartnerEventType,
    actor: string,
    reason: string | null,
    at: string,
    extra: Pick<PartnerEventData, 'fromAccount' | 'toAccount' | 'effectiveAt' | 'currency' | 'toMethod'> = {},
  ): void {
    this.pending.push({
      id: newEventId(),
      type,
      occurredAt: at,
      aggregate: { type: 'Partner', id: this.state.id },
      partnerId: this.state.id,
      data: { partnerId: this.state.id, actor, reason, version: this.state.version, ...extra },
    });
  }

  toSnapshot(): PartnerSnapshot {
    const { payoutMethods, payoutMethodReturned, ...state } = this.state;
    const methods = Object.entries(payoutMethods);
    return {
      ...state,
      // Left out unless flagged, as methods are: snapshots read as they did before returns.
      ...(payoutMethodReturned ? { payoutMethodReturned } : {}),
      payoutAccount: this.state.payoutAccount.value,
      // Left out while there are none: snapshots (and audit entries) read as they did before methods.
      ...(methods.length > 0
        ? { payoutMethods: Object.fromEntries(methods.map(([currency, method]) => [currency, method.data])) }
        : {}),
    };
  }

  /** For API responses and UIs: the payout account is masked; methods are read through `payoutMethods`. */
  toPublic(): Omit<
    PartnerSnapshot,
    'payoutAccount' | 'payoutMethods' | 'pendingAccountChange' | 'payoutMethodReturned'
  > & {
    payoutAccount: string;
    pendingAccountChange: PublicAccountChange | null;
  } {
    // A return is shown by GET /partners/:id/payability (PAYOUT_METHOD_RETURNED).
    const { payoutMethods: _methods, payoutMethodReturned: _returned, ...snapshot } = this.toSnapshot();
    void _methods;
    void _returned;
    const change = this.state.pendingAccountChange;
    return {
      ...snapshot,
      payoutAccount: this.state.payoutAccount.masked(),
      pendingAccountChange: change ? publicChange(change) : null,
    };
  }
}

/** A pending change as shown: masked account (either kind), and for a method change its currency and masked method. */
export type PublicAccountChange = Omit<PayoutAccountChange, 'account' | 'method'> & {
  account: string;
  currency: MethodCurrency | null;
  method: MaskedPayoutMethod | null;
};

export function publicChange(change: PayoutAccountChange): PublicAccountChange {
  const target = methodChangeOf(change);
  return {
    ...change,
    account: target ? target.method.maskedShort() : PayoutAccount.create(change.account ?? '').masked(),
    currency: target?.currency ?? null,
    method: target ? target.method.masked() : null,
  };
}

/** The currency and method a change sets, or null for a legacy account change. */
function methodChangeOf(
  change: PayoutAccountChange,
): { currency: MethodCurrency; method: PayoutMethod } | null {
  return change.method && change.currency
    ? { currency: change.currency, method: PayoutMethod.fromData(change.method) }
    : null;
}
