import { h, type ComponentChild } from 'preact';
import { useId, useState } from 'preact/hooks';
import type { Identity } from './credentials';
import { hashOf, VIEW_LABELS, VIEWS, type View } from './navigation';
import type { ConnectionState } from './stream-client';

const CONN_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function ConnectionBadge(props: {
  state: ConnectionState;
  retryInMs?: number;
  position: number;
}): ComponentChild {
  const title =
    props.state === 'reconnecting' && props.retryInMs !== undefined
      ? `Stream lost; next attempt in ${(props.retryInMs / 1000).toFixed(1)} s, resuming after event #${props.position}`
      : props.state === 'offline'
        ? 'No live stream: sign in with an API key'
        : `Event stream ${props.state}; last event #${props.position}`;
  return h(
    'span',
    {
      class: `conn conn-${props.state}`,
      role: 'status',
      title,
      'data-testid': 'conn-state',
      'data-state': props.state,
    },
    h('span', { class: 'conn-dot', 'aria-hidden': 'true' }),
    CONN_LABELS[props.state],
  );
}

/**
 * The operator's API key, sent as a bearer token on every call; who acts (creator, approver) is
 * whoever the key belongs to. A password field, so the key is not shoulder-surfed.
 */
export function SignInBox(props: {
  apiKey: string;
  identity: Identity | undefined;
  authProblem: string | null;
  onSignIn: (apiKey: string) => void;
  onSignOut: () => void;
}): ComponentChild {
  const keyId = useId();
  const [draft, setDraft] = useState('');
  const signedIn = props.apiKey !== '';
  return h(
    'div',
    { class: `signin${props.authProblem ? ' signin-problem' : ''}`, 'data-testid': 'signin' },
    signedIn
      ? h(
          'div',
          { class: 'signin-row' },
          h(
            'span',
            { class: 'signin-who', 'data-testid': 'signed-in-as', title: 'API key held for this tab only' },
            h(
              'span',
              { class: 'avatar', 'aria-hidden': 'true' },
              (props.identity?.name ?? '?').charAt(0).toUpperCase(),
            ),
            h(
              'span',
              null,
              h('span', { class: 'signin-name' }, props.identity?.name ?? 'Signed in'),
              h(
                'span',
                { class: 'signin-role' },
                props.identity ? `${props.identity.role} · ` : '',
                'key ••••',
                props.apiKey.slice(-4),
              ),
            ),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'button button-ghost',
              'data-testid': 'signout',
              onClick: props.onSignOut,
            },
            'Sign out',
          ),
        )
      : h(
          'form',
          {
            class: 'signin-row',
            onSubmit: (e: Event) => {
              e.preventDefault();
              if (draft.trim()) props.onSignIn(draft.trim());
              setDraft('');
            },
          },
          h('label', { for: keyId, class: 'field-label-inline' }, 'API key'),
          h('input', {
            id: keyId,
            type: 'password',
            class: 'input input-compact',
            autocomplete: 'off',
            spellcheck: false,
            placeholder: 'paste your key',
            value: draft,
            'data-testid': 'signin-key',
            onInput: (e: Event) => setDraft((e.currentTarget as HTMLInputElement).value),
          }),
          h(
            'button',
            { type: 'submit', class: 'button button-primary', 'data-testid': 'signin-submit' },
            'Sign in',
          ),
        ),
    props.authProblem
      ? h('p', { class: 'signin-message', role: 'alert', 'data-testid': 'auth-problem' }, props.authProblem)
      : null,
  );
}

/** The two views as links (`#/payments`, `#/settlements`): a real address each, `aria-current` on the one shown. */
export function ViewTabs(props: {
  view: View;
  views?: readonly View[];
  onNavigate: (view: View) => void;
}): ComponentChild {
  return h(
    'nav',
    { class: 'views', 'aria-label': 'Views' },
    (props.views ?? VIEWS).map((v) =>
      h(
        'a',
        {
          key: v,
          href: hashOf(v),
          class: `view-tab${props.view === v ? ' view-tab-current' : ''}`,
          'aria-current': props.view === v ? 'page' : undefined,
          'data-testid': `nav-${v}`,
          onClick: (e: MouseEvent) => {
            // A plain click switches in place; modified clicks (new tab) keep the browser's default.
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
            e.preventDefault();
            props.onNavigate(v);
          },
        },
        VIEW_LABELS[v],
      ),
    ),
  );
}
