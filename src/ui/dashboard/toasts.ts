import { h, type ComponentChild } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import { ApiError } from './api-client';

export interface Toast {
  id: number;
  kind: 'error' | 'success';
  title: string;
  detail?: string;
  code?: string;
  status?: number;
  paymentId?: string;
}

export type PushToast = (t: Omit<Toast, 'id'>) => void;

const LIFETIME_MS = { success: 6_000, error: 15_000 };

export function useToasts(): { toasts: Toast[]; push: PushToast; dismiss: (id: number) => void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const push = useCallback<PushToast>(
    (t) => {
      const id = ++seq.current;
      setToasts((ts) => [...ts.slice(-4), { ...t, id }]);
      setTimeout(() => dismiss(id), LIFETIME_MS[t.kind]);
    },
    [dismiss],
  );
  return { toasts, push, dismiss };
}

/** An ApiError (problem+json) as a toast: title, the server's detail, and the stable `code` if any. */
export function errorToast(e: unknown, context: string): Omit<Toast, 'id'> {
  if (e instanceof ApiError) {
    const fields = e.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ');
    return {
      kind: 'error',
      title: `${context}: ${e.title}`,
      detail: e.detail ?? (fields || undefined),
      code: e.code,
      status: e.status || undefined,
    };
  }
  return { kind: 'error', title: context, detail: e instanceof Error ? e.message : String(e) };
}

export function Toasts(props: { toasts: Toast[]; dismiss: (id: number) => void }): ComponentChild {
  return h(
    'div',
    { class: 'toasts', 'aria-live': 'polite', 'aria-relevant': 'additions' },
    props.toasts.map((t) =>
      h(
        'div',
        {
          key: t.id,
          class: `toast toast-${t.kind}`,
          role: t.kind === 'error' ? 'alert' : 'status',
          'data-testid': 'toast',
          'data-kind': t.kind,
          'data-code': t.code,
          'data-payment-id': t.paymentId,
        },
        h(
          'div',
          { class: 'toast-body' },
          h('strong', { class: 'toast-title' }, t.title),
          t.detail ? h('p', { class: 'toast-detail' }, t.detail) : null,
          t.code || t.status
            ? h(
                'p',
                { class: 'toast-meta' },
                t.status ? h('span', null, `HTTP ${t.status}`) : null,
                t.code ? h('code', { 'data-testid': 'toast-code' }, t.code) : null,
              )
            : null,
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': 'Dismiss',
            onClick: () => props.dismiss(t.id),
          },
          '×',
        ),
      ),
    ),
  );
}
