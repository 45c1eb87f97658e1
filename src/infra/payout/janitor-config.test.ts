import { janitorEnvSchema, toPayoutJanitorConfig } from './janitor-config';

const parse = (env: Record<string, string>, nodeEnv = 'test') =>
  toPayoutJanitorConfig({ ...janitorEnvSchema.parse(env), NODE_ENV: nodeEnv });

describe('payout janitor configuration', () => {
  it('runs every 5 minutes by default, with no test faults', () => {
    expect(parse({})).toEqual({
      schedule: { kind: 'interval', everyMs: 300_000 },
      scheduleId: 'alpes-payout-janitor',
      batchSize: 200,
      testFaults: {
        failCompletePayment: false,
        failCompensation: false,
        failNotifyPartner: false,
        noticesUnavailable: false,
      },
    });
  });

  it('takes an interval, a cron expression or off', () => {
    expect(parse({ JANITOR_SCHEDULE: '30s' }).schedule).toEqual({ kind: 'interval', everyMs: 30_000 });
    expect(parse({ JANITOR_SCHEDULE: '*/10 * * * *' }).schedule).toEqual({
      kind: 'cron',
      expression: '*/10 * * * *',
    });
    expect(parse({ JANITOR_SCHEDULE: 'off' }).schedule).toEqual({ kind: 'off' });
    expect(() => janitorEnvSchema.parse({ JANITOR_SCHEDULE: 'sometimes' })).toThrow(/interval/);
    expect(() => janitorEnvSchema.parse({ JANITOR_SCHEDULE: '10ms' })).toThrow(/at least 1s/);
  });

  it('accepts test faults only under NODE_ENV=test, and only known ones', () => {
    expect(parse({ TEST_FAULTS: 'complete-payment,compensation' }).testFaults).toEqual({
      failCompletePayment: true,
      failCompensation: true,
      failNotifyPartner: false,
      noticesUnavailable: false,
    });
    expect(parse({ TEST_FAULTS: 'notify-partner' }).testFaults.failNotifyPartner).toBe(true);
    expect(parse({ TEST_FAULTS: 'notify-partner-unavailable' }).testFaults.noticesUnavailable).toBe(true);
    expect(() => parse({ TEST_FAULTS: 'complete-payment' }, 'production')).toThrow(/TEST_FAULTS/);
    expect(() => parse({ TEST_FAULTS: 'complete-payment' }, 'development')).toThrow(/TEST_FAULTS/);
    expect(() => janitorEnvSchema.parse({ TEST_FAULTS: 'everything' })).toThrow(/unknown fault/);
  });

  it('takes the crash matrix plan only under NODE_ENV=test', () => {
    expect(parse({ TEST_CRASH_PLAN: '/tmp/plan.json' }).testFaults.crashPlanPath).toBe('/tmp/plan.json');
    expect(parse({}).testFaults.crashPlanPath).toBeUndefined();
    expect(() => parse({ TEST_CRASH_PLAN: '/tmp/plan.json' }, 'production')).toThrow(/TEST_CRASH_PLAN/);
  });
});
