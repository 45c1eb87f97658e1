import type { Principal } from './principal';

/** Resolves a presented API key to who it names (constant-time, hashes only), or nobody. */
export interface ApiKeyAuthenticator {
  authenticate(presented: string): Principal | undefined;
}

/** Issues the short-lived tokens the live event stream takes instead of an API key in a URL. */
export interface StreamTokenIssuer {
  issue(principal: Principal): { token: string; expiresAt: string };
}
