import type { Commission } from '../../domain/commission.aggregate';
import { ErrorCodes } from '../../domain/domain-error';
import { PayoutMinimums } from '../../domain/payout-minimums.value-object';
import type { TransactionScope, UnitOfWork } from '../../ports/unit-of-work.port';
import { accrueCommissions, type AccrualDeps } from './accrue-commissions';
import { CommissionImport } from './import-commissions';

const PARTNER = '7d8c1f3e-2b4a-4c6d-9e8f-0a1b2c3d4e5f';

/** An in-memory ledger behind the two ports accrual uses: enough to see what would be written. */
function fakeLedger() {
  const rows = new Map<string, Commission>();
  const tx = {
    commissions: {
      insertNew: async (cs: readonly Commission[]) => {
        for (const c of cs) rows.set(c.externalRef, c);
        return new Set(cs.map((c) => c.externalRef));
      },
      findByExternalRefs: async (refs: readonly string[]) =>
        refs.flatMap((r) => (rows.has(r) ? [rows.get(r)!] : [])),
    },
  } as unknown as TransactionScope;
  const uow: UnitOfWork = { run: (work) => work(tx) };
  let seq = 0;
  const deps: AccrualDeps = {
    uow,
    reads: { existingPartnerIds: async (ids) => new Set(ids.filter((id) => id === PARTNER)) },
    holdMs: 1_000,
    currencies: PayoutMinimums.create({ USD: 5000, JPY: 7500 }),
    newId: () => `00000000-0000-4000-8000-${String((seq += 1)).padStart(12, '0')}`,
    now: () => new Date('2025-03-01T00:00:00Z'),
  };
  return { rows, deps };
}

const request = (externalRef: string, currency: string) => ({
  request: {
    externalRef,
    partnerId: PARTNER,
    currency,
    amountMinor: 1250,
    description: 'March',
    occurredAt: '2025-02-01T00:00:00Z',
  },
});

describe('accrueCommissions: the programme’s currencies (PAYOUT_MINIMUMS)', () => {
  it('refuses a commission in a currency with no payout minimum, with a stable code', async () => {
    const { rows, deps } = fakeLedger();
    const [outcome] = await accrueCommissions(deps, [request('c-1', 'CHF')], { allOrNothing: true });
    expect(outcome).toMatchObject({
      outcome: 'refused',
      externalRef: 'c-1',
      code: ErrorCodes.COMMISSION_CURRENCY_NOT_CONFIGURED,
    });
    expect(outcome?.outcome === 'refused' ? outcome.message : '').toContain('CHF');
    expect(rows.size).toBe(0);
  });

  it('accrues in a configured currency, zero-decimal ones included', async () => {
    const { rows, deps } = fakeLedger();
    const outcomes = await accrueCommissions(deps, [request('c-1', 'USD'), request('c-2', 'JPY')], {
      allOrNothing: true,
    });
    expect(outcomes.map((o) => o.outcome)).toEqual(['created', 'created']);
    expect([...rows.keys()]).toEqual(['c-1', 'c-2']);
  });

  it('all or nothing: one unconfigured currency refuses the batch, and nothing is written', async () => {
    const { rows, deps } = fakeLedger();
    const outcomes = await accrueCommissions(deps, [request('c-1', 'USD'), request('c-2', 'KWD')], {
      allOrNothing: true,
    });
    expect(outcomes[1]).toMatchObject({ code: ErrorCodes.COMMISSION_CURRENCY_NOT_CONFIGURED });
    expect(rows.size).toBe(0);
  });

  it('an import refuses the row with its number and keeps the good rows', async () => {
    const { rows, deps } = fakeLedger();
    const run = new CommissionImport(deps, {
      maxRows: 10,
      batchSize: 10,
      maxRefusalsListed: 10,
      maxRecordChars: 1_000,
      maxReasonChars: 500,
      maxRefChars: 100,
    });
    await run.add(1, request('c-1', 'USD'));
    await run.add(2, request('c-2', 'GBP'));
    await run.flush();
    expect(run.report(null)).toMatchObject({
      rows: 2,
      accepted: 1,
      refusedCount: 1,
      refused: [{ row: 2, externalRef: 'c-2', code: 'COMMISSION.CURRENCY_NOT_CONFIGURED' }],
    });
    expect([...rows.keys()]).toEqual(['c-1']);
  });
});
