import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a partner's webhook may go: only to global unicast addresses on the public internet.
 * Anything else (our own host and network, cloud metadata endpoints, NAT64/6to4/Teredo
 * translations that could smuggle an internal IPv4 address, documentation and reserved ranges)
 * would let whoever controls a webhook URL probe our internals (SSRF).
 *
 * The ranges come from ipaddr.js (a maintained list of the IANA special-purpose registries): an
 * IPv4 address must be `unicast`, an IPv6 address `unicast` too — every named range (ipv4Mapped,
 * rfc6145, rfc6052 (NAT64, both prefixes), 6to4, teredo, uniqueLocal, linkLocal, multicast,
 * reserved, …) is refused. What ipaddr.js 2.5 still calls `unicast` but is not global unicast is
 * refused by the explicit checks below.
 */
const EXTRA_REFUSED_V6: ReadonlyArray<readonly [string, string]> = [
  // IPv4-compatible addresses (deprecated by RFC 4291): `::7f00:1` is unicast to ipaddr.js.
  ['::/96', 'ipv4Compatible'],
  // RFC 9780's dummy prefix, outside 2000::/3 anyway; named so the table shows why.
  ['100:0:0:1::/64', 'dummyPrefix'],
];
const EXTRA_V6 = EXTRA_REFUSED_V6.map(([cidr, name]) => [ipaddr.IPv6.parseCIDR(cidr), name] as const);
/** IANA's global unicast block: everything else in IPv6 is special-purpose or unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

export interface AddressClass {
  /** ipaddr.js's range name, or one of ours (`ipv4Compatible`, `notGlobalUnicast`, `invalid`). */
  range: string;
  public: boolean;
}

/** Classifies one literal address (as DNS returns it or a URL carries it). Anything unparsable is not public. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) {
    const range = ipaddr.IPv4.parse(address).range();
    return { range, public: range === 'unicast' };
  }
  if (family === 6) {
    let parsed: ipaddr.IPv6;
    try {
      parsed = ipaddr.IPv6.parse(address);
    } catch {
      return { range: 'invalid', public: false };
    }
    // A zone id only makes sense on a link: never the public internet.
    if (parsed.zoneId) return { range: 'zoned', public: false };
    const range = parsed.range() as string;
    if (range !== 'unicast') return { range, public: false };
    for (const [cidr, name] of EXTRA_V6) if (parsed.match(cidr)) return { range: name, public: false };
    if (!parsed.match(GLOBAL_UNICAST_V6)) return { range: 'notGlobalUnicast', public: false };
    return { range, public: true };
  }
  return { range: 'invalid', public: false };
}

/** True for a global unicast address on the public internet. */
export const isPublicAddress = (address: string): boolean => classifyAddress(address).public;

/**
 * A target refused before anything was sent. Its message is shown to the partner (the
 * notification's reason): it never names the address a host resolved to.
 */
export class WebhookTargetRefusedError extends Error {
  override readonly name = 'WebhookTargetRefusedError';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request that keeps only public addresses. Checking inside the
 * connection's own lookup means the address checked is the address connected to: a DNS answer
 * that changes between a check and the connect (rebinding) cannot slip through. Every address
 * of the answer is checked; a host with none left is refused.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) {
        // The resolved addresses stay out of the message: it reaches the partner.
        const refused = new WebhookTargetRefusedError(
          `webhook host ${hostname} does not resolve to a public internet address`,
        ) as NodeJS.ErrnoException;
        return callback(refused, []);
      }
      if (options.all) return callback(null, usable);
      const first = usable[0]!;
      callback(null, first.address, first.family);
    });
  };
}

export interface WebhookUrlPolicy {
  /** Loopback, private, link-local… targets allowed (tests, local receivers). */
  allowPrivate: boolean;
  /** Plain `http://` allowed; otherwise `https://` only. */
  allowHttp: boolean;
}

/** Checks what can be checked before connecting: scheme, credentials, and literal IP hosts (which skip DNS). */
export function assertWebhookUrl(raw: string, policy: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetRefusedError('webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw new WebhookTargetRefusedError(
      policy.allowHttp ? 'webhook URL must be http(s)' : 'webhook URL must use https://',
    );
  }
  if (url.username || url.password)
    throw new WebhookTargetRefusedError('webhook URL must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivate && isIP(host) && !isPublicAddress(host)) {
    throw new WebhookTargetRefusedError('webhook URL points at an address outside the public internet');
  }
  return url;
}
