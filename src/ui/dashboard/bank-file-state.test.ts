import type { BankFile } from './api-client';
import {
  anomalyLabel,
  awaitsBank,
  formatAge,
  newestFirst,
  pain001FileName,
  pain001Path,
  pain002FileName,
  pain002Path,
  transferCounts,
} from './bank-file-state';

const file = (over: Partial<BankFile>): BankFile => ({
  msgId: 'a'.repeat(32),
  paymentInformationId: `${'a'.repeat(32)}-1`,
  debtorAccount: '****3000',
  currency: 'EUR',
  executionDate: '2025-03-01',
  numberOfTransactions: 1,
  controlSumMinor: 12_345,
  status: 'SUBMITTED',
  bankFileId: null,
  refusal: null,
  createdAt: '2025-03-01T10:00:00.000Z',
  submittedAt: null,
  items: { OPEN: 0, FILED: 1, ACCEPTED: 0, REJECTED: 0, WITHDRAWN: 0 },
  reports: 0,
  ...over,
});

describe('bank files page state', () => {
  it('orders files newest first, ties by MsgId, without touching the input', () => {
    const input = [
      file({ msgId: 'b1', createdAt: '2025-03-01T10:00:00.000Z' }),
      file({ msgId: 'c1', createdAt: '2025-03-02T10:00:00.000Z' }),
      file({ msgId: 'a1', createdAt: '2025-03-01T10:00:00.000Z' }),
    ];
    expect(newestFirst(input).map((f) => f.msgId)).toEqual(['c1', 'a1', 'b1']);
    expect(input.map((f) => f.msgId)).toEqual(['b1', 'c1', 'a1']);
  });

  it('tells only the transfer counts that are not zero, in the order a transfer moves', () => {
    expect(transferCounts({ OPEN: 0, FILED: 0, ACCEPTED: 3, REJECTED: 1, WITHDRAWN: 0 })).toEqual([
      ['ACCEPTED', 3],
      ['REJECTED', 1],
    ]);
    expect(transferCounts({ OPEN: 0, FILED: 0, ACCEPTED: 0, REJECTED: 0, WITHDRAWN: 0 })).toEqual([]);
  });

  it('keeps polling while a file waits for the bank, and stops once every file is answered', () => {
    expect(awaitsBank([file({ status: 'ACCEPTED' }), file({ status: 'SUBMITTED' })])).toBe(true);
    expect(awaitsBank([file({ status: 'BUILT' })])).toBe(true);
    expect(
      awaitsBank(
        (['ACCEPTED', 'PARTIALLY_ACCEPTED', 'REJECTED', 'REFUSED'] as const).map((status) =>
          file({ status }),
        ),
      ),
    ).toBe(false);
    expect(awaitsBank([])).toBe(false);
  });

  it('names the documents as the API does, with every id escaped in the path', () => {
    expect(pain001Path('ABC-1')).toBe('/bank-files/ABC-1/pain.001');
    expect(pain002Path('ABC-1', 'r/1 2')).toBe('/bank-files/ABC-1/reports/r%2F1%202/pain.002');
    expect(pain001FileName('ABC-1')).toBe('pain.001-ABC-1.xml');
    expect(pain002FileName('0001-report.xml')).toBe('pain.002-0001-report.xml.xml');
    expect(pain002FileName('../x y')).toBe('pain.002-.._x_y.xml');
  });

  it('tells an age in whole units, never negative', () => {
    const now = new Date('2025-03-02T12:00:00.000Z');
    expect(formatAge('2025-03-02T11:59:15.000Z', now)).toBe('45 s');
    expect(formatAge('2025-03-02T11:47:30.000Z', now)).toBe('12 min');
    expect(formatAge('2025-03-02T08:59:00.000Z', now)).toBe('3 h');
    expect(formatAge('2025-02-28T11:00:00.000Z', now)).toBe('2 d');
    expect(formatAge('2025-03-02T12:00:05.000Z', now)).toBe('0 s');
    expect(formatAge('not a date', now)).toBe('not a date');
  });

  it('labels anomaly kinds in plain words', () => {
    expect(anomalyLabel('CONTRADICTORY_STATUS')).toBe('Contradictory status');
    expect(anomalyLabel('UNKNOWN_TRANSACTION')).toBe('Unknown transaction');
  });
});
