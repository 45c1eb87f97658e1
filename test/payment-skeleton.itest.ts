import {
  PaymentStatusKey,
  PartnerIdKey,
  AmountMinorKey,
  CurrencyKey,
} from '../src/workflows/search-attributes';
import { describeWithPostgres } from './support/test-env';
import { createPartner, eventually, http, startTestSystem, type TestSystem } from './support/system';

describeWithPostgres('walking skeleton: API → Temporal workflow → activities → PostgreSQL', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('accepts a payment, completes it through the workflow, and exposes it with its search attributes', async () => {
    const { id: partnerId } = await createPartner(sys.apiUrl);
    const created = await http(sys.apiUrl, 'POST', '/payments', {
      partnerId,
      currency: 'COP',
      lines: [
        { reference: 'conv-1', amountMinor: 150_050, description: 'Conversion March' },
        { reference: 'conv-2', amountMinor: 49_950, description: 'Conversion April' },
      ],
    });
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    expect(created.headers.get('location')).toBe(`/payments/${id}`);

    const done = await eventually(
      () => http(sys.apiUrl, 'GET', `/payments/${id}`),
      (r) => r.status === 200 && r.body.status === 'COMPLETED',
    );
    expect(done.body).toMatchObject({
      id,
      partnerId,
      currency: 'COP',
      totalMinor: 200_000,
      lines: [
        { reference: 'conv-1', amountMinor: 150_050, description: 'Conversion March' },
        { reference: 'conv-2', amountMinor: 49_950, description: 'Conversion April' },
      ],
    });
    expect(done.body.events.map((e: { type: string }) => e.type)).toEqual([
      'PaymentCreated',
      'PaymentProcessing',
      'PaymentCompleted',
    ]);
    expect(done.body.payoutReference).toEqual(expect.any(String));

    const handle = sys.client.workflow.getHandle(done.body.workflowId);
    // The read model commits inside the activity; the workflow upserts the attribute just after.
    const description = await eventually(
      () => handle.describe(),
      (d) => d.typedSearchAttributes.get(PaymentStatusKey) === 'COMPLETED',
    );
    expect(description.taskQueue).toBe(sys.taskQueue);
    expect(description.typedSearchAttributes.get(PaymentStatusKey)).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(PartnerIdKey)).toBe(partnerId);
    expect(description.typedSearchAttributes.get(AmountMinorKey)).toBe(200_000);
    expect(description.typedSearchAttributes.get(CurrencyKey)).toBe('COP');

    // Visibility is eventually consistent: the list query finds it once indexed.
    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const wf of sys.client.workflow.list({
          query: `PaymentStatus = "COMPLETED" AND PartnerId = "${partnerId}"`,
        })) {
          ids.push(wf.workflowId);
        }
        return ids;
      },
      (ids) => ids.length === 1,
    );
    expect(listed).toEqual([done.body.workflowId]);
  });

  it('answers 404 problem+json for an unknown payment', async () => {
    const res = await http(sys.apiUrl, 'GET', `/payments/${globalThis.crypto.randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 404, title: 'Payment not found' });
  });

  it.each([
    ['a malformed id', 'GET', '/payments/not-a-uuid', undefined, 'id'],
    [
      'a lowercase currency',
      'POST',
      '/payments',
      { partnerId: 'p', currency: 'cop', lines: [{ reference: 'a', amountMinor: 1 }] },
      'currency',
    ],
    ['no lines', 'POST', '/payments', { partnerId: 'p', currency: 'COP', lines: [] }, 'lines'],
    [
      'a fractional amount',
      'POST',
      '/payments',
      { partnerId: 'p', currency: 'COP', lines: [{ reference: 'a', amountMinor: 1.5 }] },
      'lines.0.amountMinor',
    ],
  ])('answers 400 problem+json naming the field for %s', async (_label, method, path, body, field) => {
    const res = await http(sys.apiUrl, method, path, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers 400 for malformed JSON and says healthz is up', async () => {
    const bad = await http(sys.apiUrl, 'POST', '/payments', '{"partnerId":', {
      'content-type': 'application/json',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.title).toBe('Malformed JSON body');
    const health = await http(sys.apiUrl, 'GET', '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'up' } });
  });
});
