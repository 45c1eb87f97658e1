import { createHmac, timingSafeEqual } from 'node:crypto';
import { ROLES, type Principal } from '../../ports/principal';

/**
 * Short-lived websocket tokens: `base64url(payload).base64url(HMAC-SHA256)`. The API issues them
 * (`POST /auth/ws-token`) and the UI servers verify them with the same secret, so a browser never
 * puts an API key in a URL.
 */
export class WsTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number = 5 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {
    if (secret.length < 16) throw new Error('the websocket token secret must be at least 16 characters');
  }

  issue(principal: Principal): { token: string; expiresAt: string } {
    const exp = this.clock() + this.ttlMs;
    const payload = Buffer.from(
      JSON.stringify({ n: principal.name, r: principal.role, p: principal.partnerId ?? null, exp }),
    ).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, expiresAt: new Date(exp).toISOString() };
  }

  verify(token: string | null | undefined): Principal | undefined {
    if (!token || token.length > 2_000) return undefined;
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        n: string;
        r: string;
        p: string | null;
        exp: number;
      };
      if (typeof claims.exp !== 'number' || claims.exp < this.clock()) return undefined;
      if (!(ROLES as readonly string[]).includes(claims.r)) return undefined;
      return {
        name: claims.n,
        role: claims.r as Principal['role'],
        ...(claims.p ? { partnerId: claims.p } : {}),
      };
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
