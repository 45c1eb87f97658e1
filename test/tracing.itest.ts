import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describeWithPostgres } from './support/test-env';
import { createPartner, eventually, http, startTestSystem, type TestSystem } from './support/system';

describeWithPostgres('OpenTelemetry traces', () => {
  const exporter = new InMemorySpanExporter();
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ REFUND_WINDOW: '1s' }, ['bank', 'worker', 'api'], {
      spanProcessor: new SimpleSpanProcessor(exporter),
    });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('follows one payment from the HTTP request through the workflow to each activity and the bank call', async () => {
    const partner = await createPartner(sys.apiUrl);
    const res = await http(sys.apiUrl, 'POST', '/payments', {
      partnerId: partner.id,
      currency: 'USD',
      lines: [{ reference: 'traced', amountMinor: 900, description: 'x' }],
    });
    expect(res.status).toBe(202);
    await eventually(
      () => http(sys.apiUrl, 'GET', `/payments/${res.body.id}`),
      (r) => r.body?.status === 'COMPLETED',
    );
    // The workflow's own span ends when the workflow closes (after the short refund window).
    const spans = await eventually(
      async () => exporter.getFinishedSpans(),
      (all) => all.some((s) => s.name === 'RunWorkflow:paymentWorkflow'),
    );

    const http202 = spans.find((s) => s.name === 'HTTP POST /payments')!;
    expect(http202).toBeDefined();
    const trace = spans.filter((s) => s.spanContext().traceId === http202.spanContext().traceId);
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => byId.get(s.parentSpanId ?? '');
    const chain = (s: ReadableSpan | undefined): string[] => (s ? [...chain(parentOf(s)), s.name] : []);

    const bank = trace.find((s) => s.name === 'sandbox-bank POST /payouts');
    expect(bank).toBeDefined();
    const path = chain(bank);
    expect(path[0]).toBe('HTTP POST /payments');
    expect(path).toEqual(
      expect.arrayContaining([
        'StartWorkflow:paymentWorkflow',
        'RunWorkflow:paymentWorkflow',
        'RunActivity:payOut',
        'sandbox-bank POST /payouts',
      ]),
    );
    // Local activities (recordPayment, which also starts processing, and completePayment) are traced too.
    for (const activity of ['recordPayment', 'payOut', 'completePayment']) {
      expect(chain(trace.find((s) => s.name === `RunActivity:${activity}`))[0]).toBe('HTTP POST /payments');
    }
  });
});
