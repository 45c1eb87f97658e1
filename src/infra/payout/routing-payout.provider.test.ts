import { DomainError } from '../../domain/domain-error';
import type { PayoutAttempt, PayoutAttemptLog } from '../../ports/payout-attempt-log.port';
import {
  PAYOUT_DECLINED,
  type PayoutOutcome,
  type PayoutProvider,
  type PayoutRequest,
} from '../../ports/payout-provider.port';
import type { PayoutRoute } from '../rails/payout-rails-config';
import { countryOf, RoutingPayoutProvider } from './routing-payout.provider';

/** The attempt log in memory: the same contract as KnexPayoutAttemptLog (insert-if-absent by number). */
class MemoryAttemptLog implements PayoutAttemptLog {
  readonly rows: PayoutAttempt[] = [];
  async attemptsOf(baseKey: string) {
    return this.rows.filter((r) => r.baseKey === baseKey).sort((a, b) => a.attempt - b.attempt);
  }
  async attemptsOfPayment(paymentId: string) {
    return this.rows.filter((r) => r.paymentId === paymentId).sort((a, b) => a.attempt - b.attempt);
  }
  async record(a: Omit<PayoutAttempt, 'createdAt' | 'updatedAt' | 'reason' | 'reference'>) {
    const existing = this.rows.find((r) => r.paymentId === a.paymentId && r.attempt === a.attempt);
    if (existing) return existing;
    const row = { ...a, reason: null, reference: null, createdAt: 'now', updatedAt: 'now' };
    this.rows.push(row);
    return row;
  }
  async settle(key: string, o: { status: 'PAID' | 'DECLINED'; reason?: string; reference?: string }) {
    const row = this.rows.find(
      (r) => r.idempotencyKey === key && (r.status === 'SENT' || r.status === o.status),
    );
    if (row)
      Object.assign(row, { status: o.status, reason: o.reason ?? null, reference: o.reference ?? null });
  }
}

type Behaviour = 'pay' | 'decline' | 'fail';

/** A provider whose answer per call is scripted; it records every key it was asked to pay. */
class ScriptedProvider implements PayoutProvider {
  readonly keys: string[] = [];
  constructor(
    private readonly name: string,
    public behaviour: Behaviour[],
    public outcome: PayoutOutcome = { kind: 'NOT_PAID', reason: 'nothing under this key' },
  ) {}
  async payout(request: PayoutRequest) {
    this.keys.push(request.idempotencyKey);
    const b = this.behaviour.shift() ?? 'pay';
    if (b === 'decline') throw new DomainError(PAYOUT_DECLINED, `${this.name} declined`);
    if (b === 'fail') throw new Error(`${this.name} timed out`);
    return { reference: `${this.name}-ref` };
  }
  async refund() {
    return { reference: `${this.name}-refund` };
  }
  async payoutOutcome() {
    return this.outcome;
  }
}

const PAYMENT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const request = (over: Partial<PayoutRequest> = {}): PayoutRequest => ({
  idempotencyKey: `payout:${PAYMENT}`,
  paymentId: PAYMENT,
  partnerId: 'p-1',
  amountMinor: 10_000,
  currency: 'EUR',
  payoutAccount: 'DE89370400440532013000',
  method: {
    type: 'BANK_TRANSFER',
    scheme: 'IBAN',
    iban: 'DE89370400440532013000',
    bic: 'COBADEFFXXX',
    accountHolder: null,
  },
  ...over,
});

const routes: PayoutRoute[] = [
  {
    method: 'BANK_TRANSFER',
    currency: 'EUR',
    country: 'DE',
    providers: [
      { name: 'iso20022-file', maxAmountMinor: 50_000 },
      { name: 'sandbox-bank', maxAmountMinor: undefined },
    ],
  },
  {
    method: 'STRIPE_CONNECT',
    currency: '*',
    country: '*',
    providers: [{ name: 'stripe', maxAmountMinor: undefined }],
  },
  {
    method: '*',
    currency: '*',
    country: '*',
    providers: [{ name: 'sandbox-bank', maxAmountMinor: undefined }],
  },
];

function setup(file: Behaviour[] = [], bank: Behaviour[] = []) {
  const attempts = new MemoryAttemptLog();
  const providers = {
    'iso20022-file': new ScriptedProvider('file', file),
    'sandbox-bank': new ScriptedProvider('bank', bank),
    stripe: new ScriptedProvider('stripe', []),
  };
  return { attempts, providers, router: new RoutingPayoutProvider({ routes, providers, attempts }) };
}

describe('RoutingPayoutProvider', () => {
  it('picks the first route matching method, currency and country, and skips providers over their limit', () => {
    const { router } = setup();
    expect(router.routeFor(request()).map((p) => p.name)).toEqual(['iso20022-file', 'sandbox-bank']);
    expect(router.routeFor(request({ amountMinor: 60_000 })).map((p) => p.name)).toEqual(['sandbox-bank']);
    expect(router.routeFor(request({ currency: 'USD' })).map((p) => p.name)).toEqual(['sandbox-bank']);
    expect(
      router
        .routeFor(request({ method: { type: 'STRIPE_CONNECT', accountId: 'acct_1' } }))
        .map((p) => p.name),
    ).toEqual(['stripe']);
  });

  it('knows where the money goes from the method', () => {
    expect(countryOf(request().method)).toBe('DE');
    expect(
      countryOf({
        type: 'BANK_TRANSFER',
        scheme: 'LOCAL',
        accountNumber: '12345678',
        bankCode: '021000021',
        country: 'US',
        accountHolder: null,
      }),
    ).toBe('US');
    expect(countryOf({ type: 'STRIPE_CONNECT', accountId: 'acct_1' })).toBeNull();
  });

  it('pays with the first provider under the payout’s own key, recording the attempt', async () => {
    const { router, attempts, providers } = setup(['pay']);
    await expect(router.payout(request())).resolves.toEqual({ reference: 'file-ref' });
    expect(providers['iso20022-file'].keys).toEqual([`payout:${PAYMENT}`]);
    expect(attempts.rows).toEqual([
      expect.objectContaining({ attempt: 1, provider: 'iso20022-file', status: 'PAID' }),
    ]);
  });

  it('moves to the next provider, under a key of its own, only after a definite refusal', async () => {
    const { router, attempts, providers } = setup(['decline'], ['pay']);
    await expect(router.payout(request())).resolves.toEqual({ reference: 'bank-ref' });
    expect(providers['sandbox-bank'].keys).toEqual([`payout:${PAYMENT}:2`]);
    expect(attempts.rows.map((r) => [r.provider, r.status])).toEqual([
      ['iso20022-file', 'DECLINED'],
      ['sandbox-bank', 'PAID'],
    ]);
  });

  it('never moves on after an unknown outcome: the retry asks the same provider under the same key', async () => {
    const { router, attempts, providers } = setup(['fail', 'pay'], ['pay']);
    await expect(router.payout(request())).rejects.toThrow('file timed out');
    expect(providers['sandbox-bank'].keys).toEqual([]);
    await expect(router.payout(request())).resolves.toEqual({ reference: 'file-ref' });
    expect(providers['iso20022-file'].keys).toEqual([`payout:${PAYMENT}`, `payout:${PAYMENT}`]);
    expect(attempts.rows).toHaveLength(1);
  });

  it('rethrows the last provider’s own refusal when no provider is left', async () => {
    const { router } = setup(['decline'], ['decline']);
    await expect(router.payout(request())).rejects.toMatchObject({
      code: PAYOUT_DECLINED,
      message: 'bank declined',
    });
    // Asked again (a retried activity), it refuses without sending anything anywhere.
    const again = setup(['decline'], ['decline']);
    await again.router.payout(request()).catch(() => undefined);
    await expect(again.router.payout(request())).rejects.toMatchObject({ code: PAYOUT_DECLINED });
    expect(again.providers['sandbox-bank'].keys).toHaveLength(1);
  });

  it('the janitor closes the payout before asking, so a try still in flight sends nothing new', async () => {
    const { router, providers } = setup(['fail'], ['pay']);
    await router.payout(request()).catch(() => undefined);
    providers['iso20022-file'].outcome = { kind: 'NOT_PAID', reason: 'withdrawn' };
    await expect(router.payoutOutcome(`payout:${PAYMENT}`)).resolves.toEqual({
      kind: 'NOT_PAID',
      reason: 'withdrawn',
    });
    await expect(router.payout(request())).rejects.toMatchObject({ code: PAYOUT_DECLINED });
    expect(providers['sandbox-bank'].keys).toEqual([]);
    expect(providers['iso20022-file'].keys).toHaveLength(1);
  });

  it('the janitor asks the provider of the last attempt, under that attempt’s key', async () => {
    const { router, providers, attempts } = setup(['decline'], ['fail']);
    await router.payout(request()).catch(() => undefined);
    providers['sandbox-bank'].outcome = { kind: 'PAID', reference: 'bank-late-ref' };
    await expect(router.payoutOutcome(`payout:${PAYMENT}`)).resolves.toEqual({
      kind: 'PAID',
      reference: 'bank-late-ref',
    });
    expect(attempts.rows.find((r) => r.provider === 'sandbox-bank')).toMatchObject({
      status: 'PAID',
      reference: 'bank-late-ref',
    });
  });

  it('refunds through the provider that paid', async () => {
    const { router } = setup(['decline'], ['pay']);
    const receipt = await router.payout(request());
    await expect(
      router.refund({
        idempotencyKey: 'refund:x',
        paymentId: PAYMENT,
        payoutReference: receipt.reference,
        amountMinor: 1,
        currency: 'EUR',
      }),
    ).resolves.toEqual({ reference: 'bank-refund' });
  });
});
