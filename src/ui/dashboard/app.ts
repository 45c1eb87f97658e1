import { h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { ApiClient, ApiError, type Partner, type PaymentAction } from './api-client';
import { identityFromToken, saveApiKey, type Identity } from './credentials';
import {
  dashboardReducer,
  initialDashboardState,
  statusCounts,
  visiblePayments,
  type ApiPayment,
  type PaymentFilter,
  type PaymentRow,
} from './dashboard-state';
import { EventFeed } from './event-feed';
import { shortId } from './format';
import { AuditPanel } from './audit-view';
import { BankFilesPanel } from './bank-files-view';
import { ReconciliationPanel } from './reconciliation-view';
import { ChartsPanel } from './charts-view';
import { hashOf, viewFromHash, viewsFor, type View } from './navigation';
import { NotificationsPanel } from './notifications-view';
import { PartnersPanel } from './partners-view';
import { PortalView } from './portal-view';
import { PartnerBalancePanel } from './partner-balance';
import { OrphansPanel } from './orphans-panel';
import { PaymentForm } from './payment-form';
import { PaymentFilters, PaymentsTable } from './payments-table';
import { workflowLink, type PublicConfig } from './public-config';
import { SettlementForm } from './settlement-form';
import { initialSettlementsState, settlementsReducer } from './settlement-state';
import { SettlementsView } from './settlements-view';
import { StreamClient, type ConnectionState } from './stream-client';
import { errorToast, Toasts, useToasts } from './toasts';
import { ConnectionBadge, SignInBox, ViewTabs } from './top-bar';

const LOCALE: string | undefined = typeof navigator === 'undefined' ? undefined : navigator.language;

function streamUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/** Roles the API lets create and decide payments (admin may do anything). */
const ACTING_ROLES = new Set(['admin', 'operator']);

export function App(props: { config: PublicConfig; initialApiKey: string }): ComponentChild {
  const { config } = props;
  const [apiKey, setApiKey] = useState(props.initialApiKey);
  const apiKeyRef = useRef(apiKey);
  apiKeyRef.current = apiKey;
  const api = useMemo(() => new ApiClient(config.apiUrl, () => apiKeyRef.current), [config.apiUrl]);
  const [identity, setIdentity] = useState<Identity | undefined>(undefined);

  const [state, dispatch] = useReducer(dashboardReducer, initialDashboardState);
  // Its own reducer and de-duplication over the same stream: the payments state stays as it was.
  const [settlements, dispatchSettlements] = useReducer(settlementsReducer, initialSettlementsState);
  const [view, setView] = useState<View>(() => viewFromHash(location.hash) ?? 'payments');
  /** The partner whose balance the Settlements view shows (picked from a payout or a skip). */
  const [balancePartnerId, setBalancePartnerId] = useState('');
  const positionRef = useRef(0);
  positionRef.current = state.lastPosition;
  const [conn, setConn] = useState<{ state: ConnectionState; retryInMs?: number }>({ state: 'connecting' });
  const [partners, setPartners] = useState<Partner[]>([]);
  const [authProblem, setAuthProblem] = useState<string | null>(null);
  const [filter, setFilter] = useState<PaymentFilter>({ partnerId: '', status: '' });
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const { toasts, push, dismiss } = useToasts();

  const reportError = useCallback(
    (e: unknown, context: string) => {
      if (e instanceof ApiError && e.isAuth) {
        setAuthProblem(
          e.status === 403
            ? `This key may not do that (${e.detail ?? 'forbidden'}).`
            : apiKeyRef.current
              ? 'The API refused this key. Paste a valid one.'
              : 'The API needs a key: paste one to sign in.',
        );
        // Signed out: the sign-in box already says what to do; a toast per request would be noise.
        if (e.status === 401 && !apiKeyRef.current) return;
      }
      push(errorToast(e, context));
    },
    [push],
  );

  // Everything that depends on who we are restarts when the key changes; the stream resumes where it was.
  useEffect(() => {
    let cancelled = false;
    api.listPayments(100).then(
      (items) => {
        if (cancelled) return;
        setAuthProblem(null);
        dispatch({ type: 'payments-loaded', items });
      },
      (e: unknown) => !cancelled && reportError(e, 'Could not load payments'),
    );
    api.listPartners().then(
      (items) => !cancelled && setPartners(items),
      (e: unknown) => {
        // A partner key may not list partners: its portal needs only its own, so this is no problem.
        if (cancelled || (e instanceof ApiError && e.status === 403)) return;
        reportError(e, 'Could not load partners');
      },
    );
    const stream = new StreamClient({
      url: streamUrl(),
      since: positionRef.current,
      token: async () => {
        const issued = await api.wsToken();
        if (!cancelled) setIdentity(issued ? identityFromToken(issued.token) : undefined);
        return issued;
      },
      isFatal: (e) => e instanceof ApiError && e.status === 401,
      onEvents: (messages) => {
        dispatch({ type: 'events', messages });
        dispatchSettlements({ type: 'events', messages });
      },
      onState: (s, detail) => {
        setConn({ state: s, retryInMs: detail?.retryInMs });
        if (s === 'live') setAuthProblem(null);
        if (s === 'offline')
          setAuthProblem(
            apiKeyRef.current
              ? 'The API refused this key. Paste a valid one.'
              : 'The API needs a key: paste one to sign in.',
          );
      },
      onServerError: (err) => {
        if (err.code === 'UNAUTHORIZED') setAuthProblem('The live stream refused the token: sign in again.');
      },
    });
    stream.start();
    return () => {
      cancelled = true;
      stream.stop();
    };
  }, [api, apiKey, reportError]);

  // Back and forward between `#/payments` and `#/settlements`.
  useEffect(() => {
    const onHash = () => {
      const next = viewFromHash(location.hash);
      if (next) setView(next);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const navigate = (next: View) => {
    setView(next);
    // pushState fires no hashchange: the view is already set, and history gets an entry for Back.
    if (location.hash !== hashOf(next)) history.pushState(null, '', hashOf(next));
  };

  const changeKey = (next: string) => {
    // A partner signing in after an operator in the same tab must not see the operator's payments.
    if (next.trim() !== apiKeyRef.current) {
      dispatch({ type: 'reset' });
      positionRef.current = 0;
    }
    saveApiKey(next);
    setIdentity(undefined);
    setAuthProblem(null);
    setApiKey(next.trim());
  };
  const canAct = !identity || ACTING_ROLES.has(identity.role);
  const views = viewsFor(identity?.role);
  // A partner key lands on its portal whatever the address says; operators never see a portal.
  const shown: View = views.includes(view) ? view : views[0]!;
  const [pagesTouched, setPagesTouched] = useState(0);

  const partnerMap = useMemo(() => new Map<string, Partner>(partners.map((p) => [p.id, p])), [partners]);

  const rows = useMemo(() => visiblePayments(state, filter), [state, filter]);
  const counts = useMemo(() => statusCounts(state), [state]);
  const totalCount = Object.keys(state.payments).length;

  const onAction = (row: PaymentRow, action: PaymentAction, reason: string | undefined) => {
    setBusy((b) => new Set(b).add(row.id));
    api
      .decide(row.id, action, reason)
      .then(
        (payment) => {
          dispatch({ type: 'payment-updated', payment });
          push({
            kind: 'success',
            title: `Payment ${shortId(row.id)}: ${action} accepted`,
            paymentId: row.id,
          });
        },
        (e: unknown) => reportError(e, `Could not ${action} payment ${shortId(row.id)}`),
      )
      .finally(() =>
        setBusy((b) => {
          const next = new Set(b);
          next.delete(row.id);
          return next;
        }),
      );
  };

  const selectPayment = (id: string) => {
    if (view !== 'payments') navigate('payments');
    if (filter.partnerId || filter.status) setFilter({ partnerId: '', status: '' });
    // After the render that un-filters the row: bring it into view and put focus on it.
    requestAnimationFrame(() => {
      const button = document.querySelector<HTMLElement>(`[data-testid="expand-${CSS.escape(id)}"]`);
      button?.scrollIntoView({ block: 'center', behavior: 'smooth' });
      button?.focus({ preventScroll: true });
    });
  };

  // A payment named elsewhere (an exception) may be older than the latest 100 the table holds: read it in first.
  const openPayment = (id: string) => {
    if (state.payments[id]) return selectPayment(id);
    api.getPayment(id).then(
      (payment) => {
        dispatch({ type: 'payment-updated', payment });
        selectPayment(id);
      },
      (e: unknown) => reportError(e, `Could not open payment ${shortId(id)}`),
    );
  };

  const selectSettlement = (id: string) => {
    navigate('settlements');
    dispatchSettlements({ type: 'select', id });
  };

  // A run's start or end moves balances: the balance panels re-read on it.
  const balanceRefresh = `${apiKey}:${settlements.listTouched}`;

  const feedPanel = h(
    'section',
    { class: 'panel panel-feed', 'aria-labelledby': 'feed-heading' },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'feed-heading', class: 'panel-title' }, 'Live events'),
      h('span', { class: 'muted small' }, state.lastPosition ? `up to #${state.lastPosition}` : ''),
    ),
    h(EventFeed, { feed: state.feed, onSelectPayment: selectPayment, onSelectSettlement: selectSettlement }),
  );

  const paymentsMain = [
    h(OrphansPanel, {
      key: 'orphans',
      api,
      canAct,
      refreshKey: `${apiKey}:${state.lastPosition}`,
      locale: LOCALE,
      onError: reportError,
      onRecovered: (id: string) => push({ kind: 'success', title: `Payment ${shortId(id)} recovered` }),
    }),
    h(
      'section',
      { key: 'payments', class: 'panel panel-payments', 'aria-labelledby': 'payments-heading' },
      h(
        'div',
        { class: 'panel-head' },
        h(
          'h2',
          { id: 'payments-heading', class: 'panel-title', tabIndex: -1 },
          'Payments ',
          h('span', { class: 'count', 'data-testid': 'payments-count' }, rows.length),
        ),
        h(PaymentFilters, { filter, partners: partnerMap, counts, onChange: setFilter }),
      ),
      h(PaymentsTable, {
        rows,
        totalCount,
        partners: partnerMap,
        notifications: state.notifications,
        history: state.history,
        busy,
        canAct,
        locale: LOCALE,
        workflowUrl: (row) => row.temporalUiUrl ?? workflowLink(config, row.id, row.workflowId),
        api,
        onAction,
      }),
    ),
    h(
      'aside',
      { key: 'side', class: 'side' },
      // Filtering by a partner is looking at that partner: show what it is owed next to its payments.
      filter.partnerId
        ? h(PartnerBalancePanel, {
            api,
            partnerId: filter.partnerId,
            partner: partnerMap.get(filter.partnerId),
            locale: LOCALE,
            refreshKey: balanceRefresh,
            onError: reportError,
          })
        : null,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'create-heading' },
        h(
          'div',
          { class: 'panel-head' },
          h('h2', { id: 'create-heading', class: 'panel-title' }, 'New payment'),
        ),
        h(PaymentForm, {
          api,
          canAct,
          role: identity?.role,
          partners,
          locale: LOCALE,
          push,
          onCreated: (payment: ApiPayment) => dispatch({ type: 'payment-updated', payment }),
        }),
      ),
      feedPanel,
    ),
  ];

  const pageMain = (): ComponentChild => {
    switch (shown) {
      case 'partners':
        return h(PartnersPanel, {
          // A new sign-in starts the page afresh: the list (and its payability) is read with the new key.
          key: apiKey,
          api,
          canAct,
          onError: reportError,
          push,
          onChanged: () => {
            setPagesTouched((n) => n + 1);
            api.listPartners().then(setPartners, () => undefined);
          },
        });
      case 'notifications':
        return h(NotificationsPanel, {
          api,
          partners: partnerMap,
          canRedeliver: canAct,
          refreshKey: `${apiKey}:${state.lastPosition}`,
          onError: reportError,
          onRedelivered: (id) => push({ kind: 'success', title: `Notification ${shortId(id)} requeued` }),
        });
      case 'charts':
        return h(ChartsPanel, {
          payments: state.payments,
          notifications: state.notifications,
          locale: LOCALE,
        });
      case 'bank-files':
        return h(BankFilesPanel, {
          api,
          apiKey,
          canDownload: canAct,
          refreshKey: `${apiKey}:${state.lastPosition}`,
          locale: LOCALE,
          onError: reportError,
        });
      case 'reconciliation':
        return h(ReconciliationPanel, {
          api,
          apiKey,
          canAct,
          actor: identity?.name,
          refreshKey: `${apiKey}:${state.lastPosition}`,
          locale: LOCALE,
          onError: reportError,
          push,
          onSelectPayment: openPayment,
        });
      case 'audit':
        return h(AuditPanel, { api, refreshKey: `${apiKey}:${pagesTouched}`, onError: reportError });
      case 'portal':
        return identity?.partnerId
          ? h(PortalView, {
              api,
              partnerId: identity.partnerId,
              payments: visiblePayments(state, { partnerId: '', status: '' }),
              locale: LOCALE,
              refreshKey: `${apiKey}:${state.lastPosition}`,
              onError: reportError,
              push,
            })
          : h('p', { class: 'muted' }, 'Signing in…');
      default:
        return null;
    }
  };

  const settlementsMain = [
    h(SettlementsView, {
      key: 'settlements',
      api,
      apiKey,
      config,
      state: settlements,
      dispatch: dispatchSettlements,
      partners: partnerMap,
      locale: LOCALE,
      onError: reportError,
      onSelectPayment: selectPayment,
      onSelectPartner: setBalancePartnerId,
      canAct,
      role: identity?.role,
      actor: identity?.name,
    }),
    h(
      'aside',
      { key: 'side', class: 'side' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'run-heading' },
        h(
          'div',
          { class: 'panel-head' },
          h('h2', { id: 'run-heading', class: 'panel-title' }, 'Run settlement'),
        ),
        h(SettlementForm, {
          api,
          canAct,
          role: identity?.role,
          partners: partnerMap,
          locale: LOCALE,
          push,
          timeZone: settlements.timeZone,
          onSelectPartner: setBalancePartnerId,
          onStarted: (started) =>
            dispatchSettlements({
              type: 'started',
              started,
              startedBy: identity?.name ?? '',
              at: new Date().toISOString(),
            }),
        }),
      ),
      balancePartnerId
        ? h(PartnerBalancePanel, {
            api,
            partnerId: balancePartnerId,
            partner: partnerMap.get(balancePartnerId),
            locale: LOCALE,
            refreshKey: balanceRefresh,
            onError: reportError,
            onClose: () => setBalancePartnerId(''),
          })
        : null,
      feedPanel,
    ),
  ];

  return h(
    'div',
    { class: 'app' },
    h(
      'a',
      { class: 'skip-link', href: shown === 'settlements' ? '#schedule-heading' : `#${shown}-heading` },
      `Skip to ${shown}`,
    ),
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'brand' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'A'),
        h(
          'div',
          null,
          h('h1', { class: 'brand-name' }, 'Alpes Partners'),
          h('p', { class: 'brand-sub' }, 'Payments operations'),
        ),
      ),
      h(ViewTabs, { view: shown, views, onNavigate: navigate }),
      h(
        'div',
        { class: 'topbar-right' },
        h(ConnectionBadge, { state: conn.state, retryInMs: conn.retryInMs, position: state.lastPosition }),
        h(SignInBox, {
          apiKey,
          identity,
          authProblem,
          onSignIn: changeKey,
          onSignOut: () => changeKey(''),
        }),
      ),
    ),
    h(
      'main',
      {
        class: shown === 'payments' || shown === 'settlements' ? 'layout' : 'layout layout-page',
        'data-view': shown,
      },
      shown === 'payments' ? paymentsMain : shown === 'settlements' ? settlementsMain : pageMain(),
    ),
    h(Toasts, { toasts, dismiss }),
  );
}
