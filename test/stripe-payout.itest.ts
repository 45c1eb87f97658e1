/**
 * The Stripe Connect adapter against Stripe's own mock server, stripe-mock (built from its Go module
 * on first use: `make stripe-mock`), which validates every request against Stripe's OpenAPI. A small
 * recording proxy in front of it shows what the official SDK really sent (no HTTP mocks), and can
 * play a 500 or a silent server. stripe-mock keeps no state and ignores Idempotency-Key: this proves
 * that we speak Stripe's API, not exactly-once (our own records and the sandbox bank prove that).
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Stripe from 'stripe';
import { DomainError } from '../src/domain/domain-error';
import type { PayoutRequest } from '../src/ports/payout-provider.port';
import { PAYOUT_DECLINED } from '../src/ports/payout-provider.port';
import {
  createStripePayoutProvider,
  type StripePayoutProvider,
} from '../src/infra/rails/stripe/stripe-payout.provider';
import { stripeWebhookHandler, type StripeTransferEvent } from '../src/infra/rails/stripe/stripe-webhook';
import { freePort } from './support/free-port';
import {
  STRIPE_MOCK_BINARY,
  startRecordingProxy,
  startStripeMock,
  stripeMockAvailable,
  type RecordingProxy,
  type StripeMock,
} from './support/stripe-mock';
import { describeUnavailable } from './support/test-env';

const TITLE = 'Stripe Connect payouts against stripe-mock';
const ACCOUNT = 'acct_1PartnerAnaMx01';

let n = 0;
const payoutRequest = (over: Partial<PayoutRequest> = {}): PayoutRequest => {
  n += 1;
  return {
    idempotencyKey: `payout-7d3c9a10-${n}`,
    paymentId: `7d3c9a10-5b2e-4f61-8a0d-${n.toString(16).padStart(12, '0')}`,
    partnerId: 'c0ffee00-0000-4000-8000-000000000001',
    amountMinor: 150_050,
    currency: 'EUR',
    payoutAccount: ACCOUNT,
    ...over,
  };
};

const transient = (err: unknown): boolean =>
  err instanceof Error && !(err instanceof DomainError) && /transient/.test(err.message);

const body = (fn: () => void) => fn;

const suite = body(() => {
  let mock: StripeMock;
  let proxy: RecordingProxy;
  let provider: StripePayoutProvider;

  beforeAll(async () => {
    mock = await startStripeMock();
    proxy = await startRecordingProxy(mock.url);
    provider = createStripePayoutProvider({ apiKey: 'sk_test_alpes', apiBase: proxy.url, timeoutMs: 3_000 });
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await mock?.stop();
  });
  beforeEach(() => {
    proxy.requests.length = 0;
    proxy.mode = 'forward';
  });

  it('creates a transfer to the connected account: amount, currency, destination, payment, Idempotency-Key', async () => {
    const request = payoutRequest();
    const receipt = await provider.payout(request);

    expect(receipt.reference).toMatch(/^tr_/);
    expect(proxy.requests).toHaveLength(1);
    const [sent] = proxy.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/transfers', status: 200 });
    expect(sent!.headers['idempotency-key']).toBe(request.idempotencyKey);
    expect(sent!.headers.authorization).toBe('Bearer sk_test_alpes');
    expect(sent!.form).toEqual({
      amount: '150050',
      currency: 'eur',
      destination: ACCOUNT,
      transfer_group: request.idempotencyKey,
      'metadata[paymentId]': request.paymentId,
      'metadata[partnerId]': request.partnerId,
      'metadata[idempotencyKey]': request.idempotencyKey,
    });
  });

  it('sends a zero-decimal currency (JPY) as it is: yen, not yen × 100', async () => {
    await provider.payout(payoutRequest({ amountMinor: 120_000, currency: 'JPY' }));
    expect(proxy.requests[0]!.form).toMatchObject({ amount: '120000', currency: 'jpy' });
  });

  it('sends the account destinationFor names', async () => {
    const routed = createStripePayoutProvider(
      { apiKey: 'sk_test_alpes', apiBase: proxy.url, timeoutMs: 3_000 },
      (r) =>
        r.partnerId === 'c0ffee00-0000-4000-8000-000000000001' ? 'acct_1RoutedByPartner' : 'acct_1Other',
    );
    await routed.payout(payoutRequest({ payoutAccount: 'not-an-account' }));
    expect(proxy.requests[0]!.form.destination).toBe('acct_1RoutedByPartner');
  });

  it('stripe-mock ignores Idempotency-Key (the same key twice: two transfers), as the README says', async () => {
    const request = payoutRequest();
    const first = await provider.payout(request);
    const second = await provider.payout(request);
    expect(proxy.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      request.idempotencyKey,
      request.idempotencyKey,
    ]);
    expect(second.reference).not.toBe(first.reference);
  });

  it('a parameter stripe-mock refuses (400) is a definite refusal, not retried', async () => {
    const err = await provider.payout(payoutRequest({ amountMinor: 12.5 })).catch((e: unknown) => e);
    expect(proxy.requests.map((r) => r.status)).toEqual([400]);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'PAYOUT_PROVIDER_REJECTED', details: { status: 400 } });
    expect((err as Error).message).toMatch(/amount/);
    expect((err as DomainError).code).not.toBe(PAYOUT_DECLINED);
  });

  it('reverses a transfer for a refund, with the refund’s Idempotency-Key', async () => {
    const receipt = await provider.refund({
      idempotencyKey: 'refund-7d3c9a10-1',
      paymentId: '7d3c9a10-5b2e-4f61-8a0d-000000000001',
      payoutReference: 'tr_1PgcAbCdEf',
      amountMinor: 5_000,
      currency: 'EUR',
    });
    expect(receipt.reference).toMatch(/^trr_/);
    const [sent] = proxy.requests;
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/v1/transfers/tr_1PgcAbCdEf/reversals',
      status: 200,
    });
    expect(sent!.headers['idempotency-key']).toBe('refund-7d3c9a10-1');
    expect(sent!.form).toMatchObject({
      amount: '5000',
      'metadata[paymentId]': '7d3c9a10-5b2e-4f61-8a0d-000000000001',
    });
  });

  it('a refused reversal is REFUND_NOT_ALLOWED', async () => {
    const err = await provider
      .refund({
        idempotencyKey: 'refund-7d3c9a10-2',
        paymentId: '7d3c9a10-5b2e-4f61-8a0d-000000000002',
        payoutReference: 'tr_1PgcAbCdEf',
        amountMinor: 0.5,
        currency: 'EUR',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REFUND_NOT_ALLOWED', details: { status: 400 } });
  });

  it('looks a payout up by its transfer_group, and does not take stripe-mock’s fixture for it', async () => {
    const err = await provider.payoutOutcome('payout-never-sent').catch((e: unknown) => e);
    expect(proxy.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/transfers?transfer_group=payout-never-sent&limit=10',
      status: 200,
    });
    // The stateless mock answers every list with one fixture transfer of another group: not ours.
    expect(transient(err)).toBe(true);
  });

  it('a 500 from Stripe leaves the outcome unknown: transient', async () => {
    proxy.mode = 'answer-500';
    const err = await provider.payout(payoutRequest()).catch((e: unknown) => e);
    expect(proxy.requests).toHaveLength(1); // maxNetworkRetries 0: Temporal retries, not the SDK
    expect(transient(err)).toBe(true);
  });

  it('a Stripe that never answers is a timeout: transient', async () => {
    proxy.mode = 'hang';
    const quick = createStripePayoutProvider({ apiKey: 'sk_test_alpes', apiBase: proxy.url, timeoutMs: 300 });
    const err = await quick.payout(payoutRequest()).catch((e: unknown) => e);
    expect(transient(err)).toBe(true);
    expect((err as Error).message).toMatch(/timeout/i);
  });

  it('stripe-mock down (connection refused) is transient', async () => {
    const port = await freePort(); // released at once: nothing listens there
    const down = createStripePayoutProvider({
      apiKey: 'sk_test_alpes',
      apiBase: `http://127.0.0.1:${port}`,
      timeoutMs: 3_000,
    });
    const err = await down.payout(payoutRequest()).catch((e: unknown) => e);
    expect(transient(err)).toBe(true);
    expect((err as Error).message).toMatch(/StripeConnectionError|connection/i);
  });
});

const SECRET = 'whsec_aXRlc3Qtd2ViaG9vay1zZWNyZXQ';

const webhookSuite = body(() => {
  let server: Server;
  let url: string;
  const applied: StripeTransferEvent[] = [];

  beforeAll(async () => {
    const app = express();
    app.post(
      '/webhooks/stripe',
      ...stripeWebhookHandler({ secret: SECRET, onEvent: async (e) => void applied.push(e) }),
    );
    // What the app mounts for everything else: a JSON parser must not see this route's body first.
    app.use(express.json());
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => (applied.length = 0));

  const reversal = JSON.stringify({
    id: 'evt_1ReversedA',
    object: 'event',
    type: 'transfer.reversed',
    data: {
      object: {
        id: 'tr_1PgcAbCdEf',
        object: 'transfer',
        amount: 150050,
        amount_reversed: 150050,
        currency: 'eur',
        metadata: { paymentId: '7d3c9a10-5b2e-4f61-8a0d-000000000001' },
      },
    },
  });
  const post = (payload: string, signature?: string) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'stripe-signature': signature } : {}),
      },
      body: payload,
    });

  it('a delivery signed with the endpoint secret is verified and applied to the payment', async () => {
    const res = await post(
      reversal,
      Stripe.webhooks.generateTestHeaderString({ payload: reversal, secret: SECRET }),
    );
    expect(res.status).toBe(200);
    expect(applied).toEqual([
      {
        kind: 'TRANSFER_REVERSED',
        eventId: 'evt_1ReversedA',
        paymentId: '7d3c9a10-5b2e-4f61-8a0d-000000000001',
        transferId: 'tr_1PgcAbCdEf',
        amountMinor: 150050,
        currency: 'EUR',
      },
    ]);
  });

  it('a tampered delivery, or one without a signature, is refused with 400 problem+json', async () => {
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: reversal, secret: SECRET });
    const tampered = reversal.replace(
      '"paymentId":"7d3c9a10-5b2e-4f61-8a0d-000000000001"',
      '"paymentId":"7d3c9a10-5b2e-4f61-8a0d-0000000000ff"',
    );
    expect(tampered).not.toBe(reversal);
    for (const res of [await post(tampered, signature), await post(reversal)]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 400, title: 'Invalid webhook signature' });
    }
    expect(applied).toEqual([]);
  });
});

if (stripeMockAvailable()) {
  describe(TITLE, suite);
} else {
  describeUnavailable(TITLE, `stripe-mock at ${STRIPE_MOCK_BINARY} (build it: make stripe-mock)`, suite);
}
describe('Stripe webhooks over HTTP (the raw-body handler)', webhookSuite);
