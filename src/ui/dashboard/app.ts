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
import { PaymentForm } from './payment-form';
import { PaymentFilters, PaymentsTable } from './payments-table';
import { workflowLink, type PublicConfig } from './public-config';
import { StreamClient, type ConnectionState } from './stream-client';
import { errorToast, Toasts, useToasts } from './toasts';
import { ConnectionBadge, SignInBox } from './top-bar';

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
      (e: unknown) => !cancelled && reportError(e, 'Could not load partners'),
    );
    const stream = new StreamClient({
      url: streamUrl(),
      since: positionRef.current,
      token: async () => {
        const token = await api.wsToken();
        if (!cancelled) setIdentity(token ? identityFromToken(token) : undefined);
        return token;
      },
      isFatal: (e) => e instanceof ApiError && e.status === 401,
      onEvents: (messages) => dispatch({ type: 'events', messages }),
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

  const changeKey = (next: string) => {
    saveApiKey(next);
    setIdentity(undefined);
    setAuthProblem(null);
    setApiKey(next.trim());
  };
  const canAct = !identity || ACTING_ROLES.has(identity.role);

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
    if (filter.partnerId || filter.status) setFilter({ partnerId: '', status: '' });
    // After the render that un-filters the row: bring it into view and put focus on it.
    requestAnimationFrame(() => {
      const button = document.querySelector<HTMLElement>(`[data-testid="expand-${CSS.escape(id)}"]`);
      button?.scrollIntoView({ block: 'center', behavior: 'smooth' });
      button?.focus({ preventScroll: true });
    });
  };

  return h(
    'div',
    { class: 'app' },
    h('a', { class: 'skip-link', href: '#payments-heading' }, 'Skip to payments'),
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
      { class: 'layout' },
      h(
        'section',
        { class: 'panel panel-payments', 'aria-labelledby': 'payments-heading' },
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
          onAction,
        }),
      ),
      h(
        'aside',
        { class: 'side' },
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
        h(
          'section',
          { class: 'panel panel-feed', 'aria-labelledby': 'feed-heading' },
          h(
            'div',
            { class: 'panel-head' },
            h('h2', { id: 'feed-heading', class: 'panel-title' }, 'Live events'),
            h('span', { class: 'muted small' }, state.lastPosition ? `up to #${state.lastPosition}` : ''),
          ),
          h(EventFeed, { feed: state.feed, onSelectPayment: selectPayment }),
        ),
      ),
    ),
    h(Toasts, { toasts, dismiss }),
  );
}
