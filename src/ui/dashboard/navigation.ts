/**
 * Which view the dashboard shows, kept in the address (`#/payments`, `#/settlements`) so a reload,
 * a bookmark or the back button lands on the same view. Other fragments (the skip link's
 * `#payments-heading`, the one-shot `#key=`) are not views and leave the current one alone.
 */
export const VIEWS = [
  'payments',
  'settlements',
  'partners',
  'notifications',
  'charts',
  'bank-files',
  'reconciliation',
  'audit',
  'portal',
] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<View, string> = {
  payments: 'Payments',
  settlements: 'Settlements',
  partners: 'Partners',
  notifications: 'Notifications',
  charts: 'Charts',
  'bank-files': 'Bank files',
  reconciliation: 'Reconciliation',
  audit: 'Audit',
  portal: 'My account',
};

/**
 * The views a role gets: a partner key only its portal; the audit log is the admin's. The API
 * refuses the rest anyway — this only keeps dead ends off the screen.
 */
export function viewsFor(role: string | undefined): readonly View[] {
  if (role === 'partner') return ['portal'];
  const operator: View[] = [
    'payments',
    'settlements',
    'partners',
    'notifications',
    'charts',
    'bank-files',
    'reconciliation',
  ];
  return role === 'admin' ? [...operator, 'audit'] : operator;
}

export function viewFromHash(hash: string): View | undefined {
  const m = /^#\/([a-z]+(?:-[a-z]+)*)\/?$/.exec(hash);
  return m && (VIEWS as readonly string[]).includes(m[1]!) ? (m[1] as View) : undefined;
}

export const hashOf = (view: View): string => `#/${view}`;
