import { h, type ComponentChild } from 'preact';
import type { ApiClient } from './api-client';
import type { PushToast } from './toasts';

/** What each operator form (new payment, run settlement) is given besides its own data and callbacks. */
export interface OperatorFormProps {
  api: ApiClient;
  /** The key's role may use the form; otherwise only `readOnlyNote` is shown in its place. */
  canAct: boolean;
  role: string | undefined;
  locale: string | undefined;
  push: PushToast;
}

/** Shown instead of a form the key's role may not use: what it cannot do, and what key would. */
export function readOnlyNote(role: string | undefined, cannot: string, testId: string): ComponentChild {
  return h(
    'p',
    { class: 'form-note muted', 'data-testid': testId },
    `This key’s role (${role ?? 'unknown'}) can look but not ${cannot}. Sign in with an operator key.`,
  );
}
