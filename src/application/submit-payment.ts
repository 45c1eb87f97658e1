import { createHash } from 'node:crypto';
import { DomainError, ErrorCodes } from '../domain/domain-error';
import { Payment } from '../domain/payment.aggregate';
import type { PaymentMaximum } from '../domain/payout-maximums.value-object';
import type { PartnerRepository } from '../ports/partner-repository.port';
import type { PaymentCommands, StartOutcome } from '../ports/payment.port';
import { nameBasedUuid } from '../shared/name-based-uuid';

export interface PaymentRequest {
  partnerId: string;
  currency: string;
  lines: Array<{ reference: string; amountMinor: number; description: string }>;
  declaredTotalMinor?: number;
}

export interface IntakeDeps {
  commands: PaymentCommands;
  partners: Pick<PartnerRepository, 'findById'>;
  /** The largest payment: one number, or per currency (PAYOUT_MAXIMUMS). */
  maxAmountMinor?: PaymentMaximum;
}

/**
 * Started, or found started by an earlier request with this key (a replay), or the key was used
 * before with a different body (nothing started: the caller must use a new key).
 */
export type IntakeResult =
  | { kind: 'started' | 'replayed'; paymentId: string; outcome: StartOutcome }
  | { kind: 'key-reused'; paymentId: string };

const requestHash = (r: PaymentRequest): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        r.partnerId,
        r.currency,
        r.lines.map((l) => [l.reference, l.amountMinor, l.description]),
        r.declaredTotalMinor ?? null,
      ]),
    )
    .digest('hex');

/**
 * Accepts a payment request: checks the partner and the domain rules before anything starts (bad
 * input is refused here, not by a failed workflow), then starts the workflow under an id derived
 * from the idempotency key, so a retried request finds the payment it already created.
 */
export async function submitPayment(
  deps: IntakeDeps,
  req: PaymentRequest,
  ctx: { actor: string; idempotencyKey: string | undefined },
): Promise<IntakeResult> {
  const partner = await deps.partners.findById(req.partnerId);
  if (!partner) throw new DomainError(ErrorCodes.PARTNER_NOT_FOUND, `no partner with id ${req.partnerId}`);
  partner.assertCanReceivePayments();

  const paymentId = ctx.idempotencyKey
    ? nameBasedUuid('payments', `${ctx.actor}\n${ctx.idempotencyKey}`)
    : globalThis.crypto.randomUUID();
  // Dry run of the aggregate's rules (currency, lines, totals, maximum); nothing is stored here.
  Payment.create({
    id: paymentId,
    partnerId: req.partnerId,
    currency: req.currency,
    lines: req.lines,
    createdBy: ctx.actor,
    declaredTotalMinor: req.declaredTotalMinor,
    maxAmountMinor: deps.maxAmountMinor,
    now: new Date(),
  });

  const hash = requestHash(req);
  const outcome = await deps.commands.start({ ...req, paymentId, createdBy: ctx.actor, requestHash: hash });
  if (!outcome.created && outcome.requestHash !== hash) return { kind: 'key-reused', paymentId };
  return { kind: outcome.created ? 'started' : 'replayed', paymentId, outcome };
}
