/**
 * The operator's API key. Kept in sessionStorage (not localStorage) so a key dies with the tab; never
 * put in a URL except the one-shot `#key=` hand-over from `make start`'s banner.
 */
const KEY_ITEM = 'alpes.dashboard.apiKey';

export function loadApiKey(storage: Storage = sessionStorage): string {
  return storage.getItem(KEY_ITEM) ?? '';
}

export function saveApiKey(apiKey: string, storage: Storage = sessionStorage): void {
  const value = apiKey.trim();
  if (value) storage.setItem(KEY_ITEM, value);
  else storage.removeItem(KEY_ITEM);
}

/**
 * Takes `#key=<api key>` from the address once, stores it, and rewrites the address without it, so
 * the key neither stays visible nor lands in history or bookmarks.
 */
export function adoptKeyFromFragment(
  loc: Pick<Location, 'hash' | 'pathname' | 'search'> = location,
  hist: Pick<History, 'replaceState'> = history,
  storage: Storage = sessionStorage,
): boolean {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const key = params.get('key');
  if (!key) return false;
  saveApiKey(key, storage);
  params.delete('key');
  const rest = params.toString();
  hist.replaceState(null, '', `${loc.pathname}${loc.search}${rest ? `#${rest}` : ''}`);
  return true;
}

export interface Identity {
  name: string;
  role: string;
  /** Set for partner keys: the only partner the portal shows. */
  partnerId?: string;
}

/**
 * Who the API says we are, read from the payload half of the websocket token the API just issued
 * for this key (`base64url(json).signature`). Display only — the server checks every call — so a
 * token in another format simply shows no name.
 */
export function identityFromToken(token: string): Identity | undefined {
  try {
    const payload = token.split('.')[0] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { n?: unknown; r?: unknown; p?: unknown };
    if (typeof claims.n !== 'string' || typeof claims.r !== 'string') return undefined;
    return typeof claims.p === 'string'
      ? { name: claims.n, role: claims.r, partnerId: claims.p }
      : { name: claims.n, role: claims.r };
  } catch {
    return undefined;
  }
}
