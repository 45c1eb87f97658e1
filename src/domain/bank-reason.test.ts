import { partnerFacingReason } from './bank-reason';

describe('partnerFacingReason', () => {
  it('explains the ISO reason code a bank rejected the transfer with', () => {
    expect(partnerFacingReason('PAYOUT_DECLINED: AC04 Closed account number')).toBe(
      'Your bank reports the account closed: add a new payout method (AC04).',
    );
    expect(partnerFacingReason('PAYOUT_DECLINED: the bank-file rail cannot carry this transfer')).toBe(
      'PAYOUT_DECLINED: the bank-file rail cannot carry this transfer',
    );
  });

  it('never reads a code inside another word', () => {
    expect(partnerFacingReason('reference XAC04Y')).toBe('reference XAC04Y');
  });
});
