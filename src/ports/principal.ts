export const ROLES = ['admin', 'operator', 'viewer', 'partner'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from an API key (HTTP) or a short-lived token (websocket). */
export interface Principal {
  name: string;
  role: Role;
  /** Set for the `partner` role: the only partner whose data it may see. */
  partnerId?: string;
}
