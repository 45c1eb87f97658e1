/**
 * ISO 20022 status reason codes (ExternalStatusReason1Code) a bank gives a rejected transfer, in the
 * words a partner understands and with what to do. Payment reasons carry the code as the bank sent
 * it (`PAYOUT_DECLINED: AC04 …`); notices explain it instead of quoting it.
 */
const EXPLAINED: Readonly<Record<string, string>> = {
  AC01: 'your bank reports the account number as incorrect: check your payout method',
  AC04: 'your bank reports the account closed: add a new payout method',
  AC06: 'your bank reports the account blocked: contact your bank, or add another payout method',
  AG01: 'your bank does not allow this transfer to the account: contact your bank',
  AM04: 'our bank could not cover the transfer: we will pay it again, nothing is needed from you',
  AM05: 'your bank already received this transfer: nothing was paid twice',
  BE04: 'your bank needs your address with the transfer: complete your details',
  MD07: 'your bank reports the account holder deceased',
  MS03: 'your bank rejected the transfer without giving a reason: contact your bank',
};

const CODE = /\b(AC01|AC04|AC06|AG01|AM04|AM05|BE04|MD07|MS03)\b/;

/** A payment's reason as a partner should read it: the bank's code explained, else as it is. */
export function partnerFacingReason(reason: string): string {
  const code = CODE.exec(reason)?.[1];
  return code ? `${capitalise(EXPLAINED[code]!)} (${code}).` : reason;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
