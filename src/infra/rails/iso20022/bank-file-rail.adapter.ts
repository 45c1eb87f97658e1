import type { BankFileRail } from '../../../ports/bank-file-rail.port';
import type { BankFileTransport } from '../../../ports/bank-file-transport.port';
import type { BankFileStore } from './bank-file.store';

/** The file rail's cycle over its store and a transport (HTTP host-to-host or a folder). */
export class BankFileRailAdapter implements BankFileRail {
  constructor(
    private readonly store: BankFileStore,
    private readonly transport: BankFileTransport,
    private readonly options: {
      debtor: { name: string; iban: string; bic: string };
      maxTransactions: number;
    },
  ) {}

  closeBatches() {
    return this.store.closeBatches(this.options);
  }

  submitFiles() {
    return this.store.submitBuilt(this.transport);
  }

  applyReports() {
    return this.store.applyReports(this.transport);
  }
}
