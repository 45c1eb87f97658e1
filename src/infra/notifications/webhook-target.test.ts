import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isPermanentDeliveryError } from '../../ports/notification-channel.port';
import { assertWebhookUrl, classifyAddress, guardedLookup, isPublicAddress } from './webhook-target';
import { WebhookChannel } from './webhook.channel';

/** [address, why it must be refused] — every range a webhook must never reach. */
const REFUSED: Array<[string, string]> = [
  // IPv4
  ['0.0.0.0', 'this network'],
  ['0.1.2.3', 'this network'],
  ['10.0.0.1', 'RFC 1918'],
  ['10.255.255.255', 'RFC 1918'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['100.127.255.254', 'carrier-grade NAT'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['172.16.0.1', 'RFC 1918'],
  ['172.31.255.255', 'RFC 1918'],
  ['192.0.0.1', 'IETF protocol assignments'],
  ['192.0.0.170', 'NAT64 discovery'],
  ['192.0.2.1', 'TEST-NET-1 (documentation)'],
  ['192.31.196.1', 'AS112'],
  ['192.52.193.1', 'AMT'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['192.168.1.1', 'RFC 1918'],
  ['192.175.48.1', 'AS112'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.51.100.7', 'TEST-NET-2 (documentation)'],
  ['203.0.113.9', 'TEST-NET-3 (documentation)'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  // IPv6
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['::7f00:1', 'IPv4-compatible ::/96 (127.0.0.1), unicast to ipaddr.js'],
  ['::a00:1', 'IPv4-compatible ::/96 (10.0.0.1)'],
  ['::808:808', 'IPv4-compatible ::/96 even for a public IPv4'],
  ['::ffff:127.0.0.1', 'IPv4-mapped'],
  ['::ffff:8.8.8.8', 'IPv4-mapped, even for a public IPv4'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address'],
  ['::ffff:0:7f00:1', 'IPv4-translated ::ffff:0:0:0/96 (RFC 6145)'],
  ['::ffff:0:808:808', 'IPv4-translated ::ffff:0:0:0/96 (RFC 6145)'],
  ['64:ff9b::7f00:1', 'NAT64 well-known prefix 64:ff9b::/96'],
  ['64:ff9b::8.8.8.8', 'NAT64 well-known prefix 64:ff9b::/96'],
  ['64:ff9b:1::a00:1', 'NAT64 local-use prefix 64:ff9b:1::/48'],
  ['64:ff9b:1:ffff::1', 'NAT64 local-use prefix 64:ff9b:1::/48'],
  ['100::1', 'discard-only'],
  ['100:0:0:1::1', 'dummy prefix (RFC 9780)'],
  ['2001::1', 'Teredo 2001::/32'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:1::1', 'IETF protocol assignments'],
  ['2001:2::1', 'benchmarking'],
  ['2001:3::1', 'AMT'],
  ['2001:4:112::1', 'AS112-v6'],
  ['2001:10::1', 'ORCHID'],
  ['2001:20::1', 'ORCHIDv2'],
  ['2001:db8::1', 'documentation'],
  ['2001:db8:ffff::1', 'documentation'],
  ['2002:7f00:1::1', '6to4 (embeds 127.0.0.1)'],
  ['2002:c000:204::1', '6to4'],
  ['2620:4f:8000::1', 'AS112-v6'],
  ['3fff::1', 'documentation (RFC 9637)'],
  ['3fff:fff::1', 'documentation (RFC 9637)'],
  ['5f00::1', 'segment routing SIDs'],
  ['1::1', 'outside 2000::/3'],
  ['4000::1', 'outside 2000::/3 (unassigned)'],
  ['fc00::1', 'unique local'],
  ['fd12:3456:789a::1', 'unique local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with a zone'],
  ['febf::1', 'link-local'],
  ['fec0::1', 'site-local (deprecated)'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'multicast (global scope)'],
  // Not addresses at all
  ['', 'empty'],
  ['localhost', 'a name'],
  ['0x7f.1', 'a legacy IPv4 form'],
  ['1.2.3', 'a legacy IPv4 form'],
  ['not an address', 'garbage'],
];

const ALLOWED: Array<[string, string]> = [
  ['1.1.1.1', 'Cloudflare DNS'],
  ['8.8.8.8', 'Google DNS'],
  ['9.9.9.9', 'Quad9'],
  ['52.95.110.1', 'a cloud public address'],
  ['100.63.255.255', 'just below carrier-grade NAT'],
  ['100.128.0.0', 'just above carrier-grade NAT'],
  ['172.15.255.255', 'just below 172.16/12'],
  ['172.32.0.0', 'just above 172.16/12'],
  ['192.88.98.255', 'just below the 6to4 relay'],
  ['198.17.255.255', 'just below benchmarking'],
  ['223.255.255.255', 'just below multicast'],
  ['2606:4700:4700::1111', 'Cloudflare DNS'],
  ['2001:4860:4860::8888', 'Google DNS'],
  ['2a00:1450:4001:80b::200e', 'a global unicast address'],
  ['2001:200::1', 'just above 2001::/23'],
  ['2003::1', 'just above 6to4'],
  ['2620:4f:8001::1', 'just above AS112-v6'],
  ['3ffe:ffff::1', 'just below 3fff::/20'],
];

describe('webhook targets: only global unicast addresses', () => {
  it.each(REFUSED)('refuses %p (%s)', (address) => {
    expect(classifyAddress(address).public).toBe(false);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(ALLOWED)('allows %p (%s)', (address) => {
    expect(classifyAddress(address)).toEqual({ range: 'unicast', public: true });
  });

  it('names the explicit ranges ipaddr.js calls unicast', () => {
    expect(classifyAddress('::7f00:1').range).toBe('ipv4Compatible');
    expect(classifyAddress('4000::1').range).toBe('notGlobalUnicast');
    expect(classifyAddress('64:ff9b:1::1').range).toBe('rfc6052');
    expect(classifyAddress('::ffff:0:7f00:1').range).toBe('rfc6145');
  });
});

describe('webhook URLs', () => {
  const strict = { allowPrivate: false, allowHttp: false };

  it.each([
    'https://[::7f00:1]/h',
    'https://[::ffff:127.0.0.1]/h',
    'https://[64:ff9b::a9fe:a9fe]/latest',
    'https://[64:ff9b:1::a00:1]/h',
    'https://[2002:a9fe:a9fe::1]/h',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/h',
    'https://[fd00::1]/h',
    'https://192.88.99.1/h',
    'https://169.254.169.254/latest/meta-data',
    // Legacy IPv4 spellings: the URL parser normalises them to 127.0.0.1 first.
    'https://0x7f000001/h',
    'https://2130706433/h',
    'https://0177.0.0.1/h',
    'https://127.1/h',
  ])('refuses the literal target %p without naming the address', (url) => {
    expect(() => assertWebhookUrl(url, strict)).toThrow(/outside the public internet/);
    try {
      assertWebhookUrl(url, strict);
    } catch (e) {
      expect((e as Error).message).not.toMatch(/\d+\.\d+\.\d+\.\d+|::/);
    }
  });

  it('takes https only unless WEBHOOK_ALLOW_HTTP', () => {
    expect(() => assertWebhookUrl('http://hooks.example.com/h', strict)).toThrow(/must use https/);
    expect(assertWebhookUrl('http://hooks.example.com/h', { ...strict, allowHttp: true }).protocol).toBe(
      'http:',
    );
    expect(assertWebhookUrl('https://hooks.example.com/h', strict).protocol).toBe('https:');
    expect(() => assertWebhookUrl('ftp://hooks.example.com/h', { ...strict, allowHttp: true })).toThrow(
      /http\(s\)/,
    );
    expect(() => assertWebhookUrl('https://u:p@hooks.example.com/h', strict)).toThrow(/credentials/);
    expect(() => assertWebhookUrl('not a url', strict)).toThrow(/not a valid URL/);
  });

  it('allows private literals only with WEBHOOK_ALLOW_PRIVATE_TARGETS', () => {
    expect(() => assertWebhookUrl('https://10.0.0.1/h', strict)).toThrow();
    expect(assertWebhookUrl('https://10.0.0.1/h', { ...strict, allowPrivate: true }).hostname).toBe(
      '10.0.0.1',
    );
  });
});

describe('resolved addresses', () => {
  const lookupError = (allowPrivate: boolean, host: string) =>
    new Promise<Error | null>((resolve) => guardedLookup(allowPrivate)(host, {}, (err) => resolve(err)));

  it('refuses a name that resolves to loopback, without naming the address', async () => {
    const err = await lookupError(false, 'localhost');
    expect(err?.name).toBe('WebhookTargetRefusedError');
    expect(err?.message).toBe('webhook host localhost does not resolve to a public internet address');
    expect(err?.message).not.toMatch(/127\.0\.0\.1|::1/);
    expect(await lookupError(true, 'localhost')).toBeNull();
  });

  const message = {
    notificationId: 'n-1',
    deliveryKey: 'n-1:0',
    partnerId: 'p',
    type: 'PAYMENT_COMPLETED' as const,
    subject: 's',
    body: 'b',
    sourceEventId: 'x:PaymentCompleted',
    facts: {
      paymentId: 'x',
      eventType: 'PaymentCompleted',
      amountMinor: 1,
      currency: 'USD',
      reason: null,
      occurredAt: new Date().toISOString(),
    },
    createdAt: new Date().toISOString(),
  };
  const send = (channel: WebhookChannel, url: string) =>
    channel.send({ ...message, target: { channel: 'WEBHOOK', url, secret: 's' } }).catch((e: unknown) => e);

  it('a delivery refused after resolution tells the partner no address', async () => {
    const strict = new WebhookChannel({ timeoutMs: 2_000, allowPrivateTargets: false, allowHttp: true });
    const err = (await send(strict, 'http://localhost:9/h')) as Error;
    expect(isPermanentDeliveryError(err)).toBe(true);
    expect(err.message).toMatch(/does not resolve to a public internet address/);
    expect(err.message).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('an http:// target is refused before connecting unless WEBHOOK_ALLOW_HTTP', async () => {
    const httpsOnly = new WebhookChannel({ timeoutMs: 2_000, allowPrivateTargets: true, allowHttp: false });
    const err = (await send(httpsOnly, 'http://localhost:9/h')) as Error;
    expect(isPermanentDeliveryError(err)).toBe(true);
    expect(err.message).toMatch(/must use https/);
  });

  it('a failed connection is reported without the address it was made to', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const open = new WebhookChannel({ timeoutMs: 2_000, allowPrivateTargets: true, allowHttp: true });
    const err = (await send(open, `http://localhost:${port}/h`)) as Error;
    expect(isPermanentDeliveryError(err)).toBe(false);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toMatch(/127\.0\.0\.1|::1/);
  });
});
