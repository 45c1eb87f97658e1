/**
 * Which view the dashboard shows, kept in the address (`#/payments`, `#/settlements`) so a reload,
 * a bookmark or the back button lands on the same view. Other fragments (the skip link's
 * `#payments-heading`, the one-shot `#key=`) are not views and leave the current one alone.
 */
export const VIEWS = ['payments', 'settlements'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<View, string> = { payments: 'Payments', settlements: 'Settlements' };

export function viewFromHash(hash: string): View | undefined {
  const m = /^#\/([a-z]+)\/?$/.exec(hash);
  return m && (VIEWS as readonly string[]).includes(m[1]!) ? (m[1] as View) : undefined;
}

export const hashOf = (view: View): string => `#/${view}`;
