import { DomainError } from '../../../domain/domain-error';
import {
  PAYOUT_DECLINED,
  type PayoutOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderReceipt,
  type RefundRequest,
} from '../../../ports/payout-provider.port';
import type { BankFileItem, BankFileStore, QueuedTransfer } from './bank-file.store';
import { endToEndIdOf } from './iso20022-ids.util';
import { buildPain001 } from './pain001.builder';

export interface Iso20022FileProviderOptions {
  store: BankFileStore;
  debtor: { name: string; iban: string; bic: string };
  /** How long one payout call waits for its file's report before letting go (the activity retries). */
  waitMs: number;
  pollMs?: number;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** The reference a payout paid by file carries: its file's MsgId and its EndToEndId. */
const referenceOf = (item: BankFileItem): string => `${item.msgId}/${endToEndIdOf(item.paymentId!)}`;

/**
 * Pays by ISO 20022 credit transfer: a payout is queued under its idempotency key for the next
 * pain.001 file (the bank-file cycle batches, sends and reads reports), and its answer is what the
 * bank's pain.002 says about it — ACCP pays, RJCT refuses with the bank's reason code. While no
 * report has come, the call gives up after `waitMs` with a plain error: the activity retries the same
 * key, and past PAYOUT_TIMEOUT the janitor asks `payoutOutcome`.
 */
export class Iso20022FilePayoutProvider implements PayoutProvider {
  private readonly pollMs: number;
  private readonly clock: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: Iso20022FileProviderOptions) {
    this.pollMs = options.pollMs ?? 250;
    this.clock = options.clock ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async payout(request: PayoutRequest): Promise<ProviderReceipt> {
    const transfer = this.transferOf(request);
    let item = await this.options.store.enqueue(transfer);
    const deadline = this.clock().getTime() + this.options.waitMs;
    for (;;) {
      if (item.status === 'ACCEPTED') return { reference: referenceOf(item) };
      if (item.status === 'REJECTED') {
        throw new DomainError(PAYOUT_DECLINED, item.reason ?? 'rejected by the bank', {
          providerCode: item.reasonCode,
          file: item.msgId,
        });
      }
      if (item.status === 'WITHDRAWN')
        throw new DomainError(PAYOUT_DECLINED, 'the transfer was withdrawn before any file held it');
      if (this.clock().getTime() >= deadline) {
        throw new Error(
          item.status === 'OPEN'
            ? 'the transfer waits for the next bank file'
            : `the bank has not reported on file ${item.msgId} yet`,
        );
      }
      await this.sleep(this.pollMs);
      item = (await this.options.store.item(request.idempotencyKey))!;
    }
  }

  /** A credit transfer sent in a file cannot be pulled back by this rail. */
  async refund(_request: RefundRequest): Promise<ProviderReceipt> {
    throw new DomainError(
      PAYOUT_DECLINED,
      'a credit transfer paid by bank file cannot be recalled by the file rail; refund it with the bank',
    );
  }

  async payoutOutcome(idempotencyKey: string): Promise<PayoutOutcome> {
    const item = await this.options.store.withdraw(idempotencyKey);
    switch (item.status) {
      case 'ACCEPTED':
        return { kind: 'PAID', reference: referenceOf(item) };
      case 'REJECTED':
        return { kind: 'DECLINED', reason: item.reason ?? 'rejected by the bank' };
      case 'WITHDRAWN':
        return { kind: 'NOT_PAID', reason: 'withdrawn before any bank file held it' };
      default:
        // In a file the bank has not reported on: only its report can say.
        throw new Error(`the bank has not reported on file ${item.msgId} yet`);
    }
  }

  private transferOf(request: PayoutRequest): QueuedTransfer {
    const method = request.method;
    const name = request.creditorName ?? request.partnerId;
    let creditor: QueuedTransfer['creditor'];
    if (method?.type === 'BANK_TRANSFER' && method.scheme === 'IBAN') {
      creditor = { name: method.accountHolder ?? name, account: { iban: method.iban }, bic: method.bic };
    } else if (method?.type === 'BANK_TRANSFER' && method.scheme === 'LOCAL') {
      creditor = {
        name: method.accountHolder ?? name,
        account: { number: method.accountNumber },
        bic: undefined,
      };
    } else if (method?.type === 'BANK_TRANSFER' && method.scheme === 'LEGACY') {
      creditor = { name, account: { iban: method.account } };
    } else {
      throw new DomainError(PAYOUT_DECLINED, 'the bank-file rail pays bank transfers only', {
        method: method?.type ?? null,
      });
    }
    const endToEndId = endToEndIdOf(request.paymentId);
    const transfer: QueuedTransfer = {
      idempotencyKey: request.idempotencyKey,
      paymentId: request.paymentId,
      endToEndId,
      debtorIban: this.options.debtor.iban,
      currency: request.currency,
      executionDate: this.clock().toISOString().slice(0, 10),
      amountMinor: BigInt(request.amountMinor),
      creditor,
      remittance: `AP-${endToEndId}`,
    };
    // Checked alone before it is queued: a transfer no file can carry (an account that is no IBAN, a
    // local account without its bank's BIC) is refused here, never left to break its whole batch.
    try {
      buildPain001({
        debtor: this.options.debtor,
        currency: transfer.currency,
        requestedExecutionDate: transfer.executionDate,
        createdAt: this.clock(),
        transfers: [
          {
            paymentId: transfer.paymentId,
            amountMinor: transfer.amountMinor,
            creditor: transfer.creditor,
            remittanceReference: transfer.remittance,
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      throw new DomainError(
        PAYOUT_DECLINED,
        `the bank-file rail cannot carry this transfer: ${err.message}`,
        {
          providerCode: err.code,
        },
      );
    }
    return transfer;
  }
}
