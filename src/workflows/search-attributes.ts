import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Must match the dev server's `--search-attribute` flags (see src/infra/temporal/dev-server.ts). */
export const PartnerIdKey = defineSearchAttributeKey('PartnerId', SearchAttributeType.KEYWORD);
export const PaymentStatusKey = defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD);
export const AmountMinorKey = defineSearchAttributeKey('AmountMinor', SearchAttributeType.INT);
export const CurrencyKey = defineSearchAttributeKey('Currency', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<string, string> = {
  PartnerId: 'Keyword',
  PaymentStatus: 'Keyword',
  AmountMinor: 'Int',
  Currency: 'Keyword',
};

/** Set by the server on every workflow a Schedule starts: when that action was due. */
export const TemporalScheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
