import { Commission, type CommissionRequest } from '../../domain/commission.aggregate';
import { ErrorCodes, isDomainError } from '../../domain/domain-error';
import type { AuditStamp } from '../../ports/audit.port';
import type { CommissionReads } from '../../ports/commission.port';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { auditedTransaction } from '../audited-transaction';
import { ConcurrentChange, retryOnConflict } from '../transaction-retry';

export interface AccrualDeps {
  uow: UnitOfWork;
  reads: Pick<CommissionReads, 'existingPartnerIds'>;
  /** How long a commission stays PENDING after its conversion (COMMISSION_HOLD). */
  holdMs: number;
  /** The programme's currencies (PAYOUT_MINIMUMS): a commission in any other could never be paid. */
  currencies: { isConfigured(currency: string): boolean };
  newId: () => string;
  now: () => Date;
}

/** An item as submitted: a request that passed the schema, or the schema's refusal. */
export type AccrualItem =
  { request: CommissionRequest } | { invalid: { externalRef?: string; code: string; message: string } };

/**
 * The call's audit entry, written in the transaction that writes the commissions; its outcome is
 * the status the caller gets for "something was created" or "all were there already".
 */
export interface AccrualAudit {
  stamp: AuditStamp | undefined;
  statusWhenCreated: number;
  statusWhenUnchanged: number;
}

export type AccrualOutcome =
  | { outcome: 'created' | 'existing'; commission: Commission }
  | { outcome: 'refused'; externalRef?: string; code: string; message: string };

class RollBack extends Error {}

/**
 * Accrues commissions idempotently by externalRef: a ref already holding the same commission is
 * `existing`, one holding another is refused (EXTERNAL_REF_CONFLICT). With `allOrNothing`, any
 * refusal rolls the whole call back and every refusal is reported; otherwise the good items are
 * written and the bad ones refused. One transaction per call; outcomes are in input order.
 */
export async function accrueCommissions(
  deps: AccrualDeps,
  items: readonly AccrualItem[],
  opts: { allOrNothing: boolean; audit?: AccrualAudit },
): Promise<AccrualOutcome[]> {
  const now = deps.now();
  const outcomes: Array<AccrualOutcome | undefined> = new Array<AccrualOutcome | undefined>(items.length);
  const refuse = (i: number, externalRef: string | undefined, code: string, message: string): void => {
    outcomes[i] = {
      outcome: 'refused',
      ...(externalRef === undefined ? {} : { externalRef }),
      code,
      message,
    };
  };

  // 1. The domain's rules, item by item.
  const candidates: Array<{ i: number; request: CommissionRequest; commission: Commission }> = [];
  items.forEach((item, i) => {
    if ('invalid' in item) {
      outcomes[i] = { outcome: 'refused', ...item.invalid };
      return;
    }
    try {
      const commission = Commission.create({ ...item.request, id: deps.newId(), holdMs: deps.holdMs, now });
      // Refused now rather than left PAYABLE for ever (or, as before, paid at 1 minor unit).
      if (!deps.currencies.isConfigured(commission.currency)) {
        refuse(
          i,
          commission.externalRef,
          ErrorCodes.COMMISSION_CURRENCY_NOT_CONFIGURED,
          `${commission.currency} is not a currency of the programme: it has no payout minimum (PAYOUT_MINIMUMS), so no run could pay it`,
        );
        return;
      }
      candidates.push({ i, request: item.request, commission });
    } catch (e) {
      if (!isDomainError(e)) throw e;
      refuse(i, item.request.externalRef, e.code, e.message);
    }
  });

  // 2. Partners must exist (suspended or held ones may still accrue: only payouts stop).
  const known = await deps.reads.existingPartnerIds([
    ...new Set(candidates.map((c) => c.commission.partnerId)),
  ]);
  const valid = candidates.filter((c) => {
    if (known.has(c.commission.partnerId)) return true;
    refuse(
      c.i,
      c.commission.externalRef,
      ErrorCodes.PARTNER_NOT_FOUND,
      `no partner with id ${c.commission.partnerId}`,
    );
    return false;
  });

  if (valid.length === 0) return outcomes.map((o) => o!);

  // 3. The first item with a ref creates it; any other item with that ref must carry the same body.
  const firsts = new Map<string, (typeof valid)[number]>();
  for (const c of valid) if (!firsts.has(c.commission.externalRef)) firsts.set(c.commission.externalRef, c);
  // Sorted: concurrent calls then take the unique index's entries in one order (no deadlock).
  const refs = [...firsts.keys()].sort();

  /** Outcomes of the valid items, given the commissions that already hold some of their refs. */
  const resolve = (holders: ReadonlyMap<string, Commission>): void => {
    for (const c of valid) {
      const ref = c.commission.externalRef;
      const first = firsts.get(ref)!;
      const holder = holders.get(ref) ?? (c === first ? undefined : first.commission);
      if (!holder) outcomes[c.i] = { outcome: 'created', commission: c.commission };
      else if (holder.matchesRequest(c.request)) outcomes[c.i] = { outcome: 'existing', commission: holder };
      else {
        refuse(
          c.i,
          ref,
          ErrorCodes.COMMISSION_EXTERNAL_REF_CONFLICT,
          `externalRef ${ref} already holds a different commission`,
        );
      }
    }
  };
  const refusedAny = (): boolean => outcomes.some((o) => o?.outcome === 'refused');

  const write = () =>
    auditedTransaction(deps.uow, opts.audit?.stamp, async (tx, audit) => {
      const holders = new Map((await tx.commissions.findByExternalRefs(refs)).map((c) => [c.externalRef, c]));
      resolve(holders);
      // All-or-nothing: refused with every failing item listed, conflicts included, before any write.
      if (opts.allOrNothing && refusedAny()) throw new RollBack();

      const fresh = refs.filter((ref) => !holders.has(ref)).map((ref) => firsts.get(ref)!.commission);
      const inserted = await tx.commissions.insertNew(fresh);
      // A concurrent call inserted these refs between our read and our insert: its rows decide.
      const raced = fresh.filter((c) => !inserted.has(c.externalRef)).map((c) => c.externalRef);
      if (raced.length > 0) {
        const winners = await tx.commissions.findByExternalRefs(raced);
        // Inserted and gone again: nothing deletes commissions, so start over rather than guess.
        if (winners.length !== raced.length) throw new ConcurrentChange('a raced commission vanished');
        for (const c of winners) holders.set(c.externalRef, c);
        resolve(holders);
        if (opts.allOrNothing && refusedAny()) throw new RollBack();
      }
      if (opts.audit) {
        const created = outcomes.some((o) => o?.outcome === 'created');
        const single = items.length === 1 ? valid[0]?.commission.externalRef : undefined;
        await audit({
          targetId: single ?? null,
          outcomeStatus: created ? opts.audit.statusWhenCreated : opts.audit.statusWhenUnchanged,
        });
      }
    });
  try {
    await retryOnConflict(write);
  } catch (e) {
    if (!(e instanceof RollBack)) throw e;
  }
  return outcomes.map((o) => o!);
}
