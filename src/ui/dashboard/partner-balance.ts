import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Partner, PartnerBalance as Balance } from './api-client';
import { formatWhen, shortId } from './format';
import { compareMinor, formatMinorString } from './money-format';
import { belowMinimum } from './settlement-state';

/**
 * A partner's commission balance (`GET /partners/:id/balance`): what is still in its hold, what the
 * next settlement would pay, and whether that clears the payout minimum. Refetched when the partner
 * changes, when a run starts or completes (`refreshKey`), or on demand.
 */
export function PartnerBalancePanel(props: {
  api: ApiClient;
  partnerId: string;
  partner: Partner | undefined;
  locale: string | undefined;
  /** Changes when the balance may have moved (a run started or completed, the key changed). */
  refreshKey: string | number;
  onError: (e: unknown, context: string) => void;
  onClose?: () => void;
}): ComponentChild {
  const [balance, setBalance] = useState<Balance | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [manual, setManual] = useState(0);
  const { api, partnerId, onError } = props;

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    api.partnerBalance(partnerId).then(
      (b) => {
        if (cancelled) return;
        setBalance(b);
        setLoading(false);
      },
      (e: unknown) => {
        if (cancelled) return;
        setLoading(false);
        setBalance(undefined);
        onError(e, 'Could not load the partner’s balance');
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, partnerId, props.refreshKey, manual, onError]);

  // The previous partner's numbers must never show under this partner's name.
  const shown = balance?.partnerId === partnerId ? balance : undefined;
  const name = props.partner?.name ?? shortId(partnerId);
  return h(
    'section',
    {
      class: 'panel',
      'aria-labelledby': 'balance-heading',
      'data-testid': 'partner-balance',
      'data-partner-id': partnerId,
      'aria-busy': loading,
    },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'balance-heading', class: 'panel-title' },
        h('span', { class: 'balance-name', title: name }, name),
        h('span', { class: 'muted small' }, 'balance'),
      ),
      h(
        'div',
        { class: 'panel-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            disabled: loading,
            'aria-label': 'Refresh the balance',
            title: 'Refresh',
            'data-testid': 'partner-balance-refresh',
            onClick: () => setManual((n) => n + 1),
          },
          '↻',
        ),
        props.onClose
          ? h(
              'button',
              {
                type: 'button',
                class: 'icon-button',
                'aria-label': 'Close the balance',
                'data-testid': 'partner-balance-close',
                onClick: props.onClose,
              },
              '×',
            )
          : null,
      ),
    ),
    h(
      'div',
      { class: 'balance-body' },
      props.partner?.status === 'SUSPENDED'
        ? h('p', { class: 'balance-flag' }, 'Partner suspended: settlements skip it.')
        : null,
      shown?.payoutHold
        ? h(
            'p',
            { class: 'balance-flag', 'data-testid': 'partner-balance-hold' },
            `Payouts on hold since ${formatWhen(shown.payoutHold.at)} by ${shown.payoutHold.by}: ${shown.payoutHold.reason}`,
          )
        : null,
      shown
        ? [
            h(
              'p',
              { key: 'next', class: 'balance-next', 'data-testid': 'partner-balance-next' },
              h('span', { class: 'muted' }, 'Next settlement: '),
              shown.nextSettlementAt
                ? h('time', { dateTime: shown.nextSettlementAt }, formatWhen(shown.nextSettlementAt))
                : 'none scheduled (schedule off)',
            ),
            shown.currencies.length === 0
              ? h('p', { key: 'empty', class: 'muted' }, 'No commissions yet.')
              : shown.currencies.map((c) => {
                  const money = (minor: string) => formatMinorString(minor, c.currency, props.locale);
                  const short = belowMinimum(c.netPayableMinor, c.minimumMinor);
                  return h(
                    'div',
                    {
                      key: c.currency,
                      class: 'balance-currency',
                      'data-testid': `partner-balance-${c.currency}`,
                    },
                    h('h3', { class: 'detail-title' }, c.currency),
                    h(
                      'dl',
                      { class: 'facts balance-facts' },
                      h('dt', null, 'Pending (in hold)'),
                      amount(money(c.pendingMinor), c.pendingCount, 'commission'),
                      h('dt', null, 'Payable'),
                      amount(money(c.payableMinor), c.payableCount, 'commission'),
                      h('dt', null, 'Clawbacks outstanding'),
                      amount(money(c.clawbacksOutstandingMinor), c.clawbackCount, 'clawback'),
                      compareMinor(c.settlingMinor, '0') !== 0
                        ? [
                            h('dt', { key: 'st' }, 'Being settled'),
                            amount(money(c.settlingMinor), c.settlingCount, 'commission', 'sd'),
                          ]
                        : null,
                      h('dt', null, 'Net payable'),
                      h(
                        'dd',
                        {
                          class: `num strong${short ? ' below-minimum' : ''}`,
                          'data-testid': `partner-balance-net-${c.currency}`,
                          'data-minor': c.netPayableMinor,
                        },
                        money(c.netPayableMinor),
                      ),
                      h('dt', null, 'Payout minimum'),
                      h(
                        'dd',
                        { class: c.minimumMinor === null ? 'muted' : 'num' },
                        c.minimumMinor === null ? 'not configured' : money(c.minimumMinor),
                      ),
                    ),
                    c.minimumMinor === null
                      ? h(
                          'p',
                          { class: 'balance-note', 'data-testid': `partner-balance-unpaid-${c.currency}` },
                          `${c.currency} has no payout minimum configured: no run pays it until it has one.`,
                        )
                      : null,
                    short && c.minimumMinor !== null && compareMinor(c.netPayableMinor, '0') > 0
                      ? h(
                          'p',
                          { class: 'balance-note', 'data-testid': `partner-balance-short-${c.currency}` },
                          'Below the payout minimum: a run skips it and it carries forward.',
                        )
                      : null,
                  );
                }),
            h('p', { key: 'asof', class: 'muted small' }, `as of ${formatWhen(shown.asOf)}`),
          ]
        : loading
          ? h('p', { class: 'muted' }, 'Loading…')
          : h('p', { class: 'muted' }, 'No balance to show.'),
    ),
  );
}

/** `$12.50` with how many ledger entries make it up, in a muted aside. */
function amount(money: string, count: number, noun: string, key?: string): ComponentChild {
  return h(
    'dd',
    { key, class: 'num' },
    money,
    count ? h('span', { class: 'muted small' }, ` · ${count} ${noun}${count === 1 ? '' : 's'}`) : null,
  );
}
