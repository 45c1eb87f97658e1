import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DomainError } from '../src/domain/domain-error';
import { TemporalSettlementCommands } from '../src/infra/temporal/settlement-workflow.client';
import { installTemporalRuntime } from '../src/infra/temporal/runtime';
import { createLogger } from '../src/shared/logger';
import type { SettlementSettings } from '../src/workflows/settlement.messages';
import { testEnvironment } from './support/test-env';
import {
  decisionsQuery,
  earlyDecisionWorkflow,
  plannedSignal,
} from './support/workflows/early-decision.workflow';

/**
 * The approval race (issue 24): the plan's activity writes AWAITING_APPROVAL on the run's row a
 * moment before the workflow leaves PLANNING, and a decision sent in between was refused with a
 * spurious 409. The client now asks again while the workflow says PLANNING. A stand-in workflow
 * holds that window open on a real Temporal server, so the race happens every time.
 */
describe('a decision sent while the run is still planning (real Temporal)', () => {
  const logger = createLogger({ level: 'error', pretty: false });
  const taskQueue = `test-early-decision-${randomUUID().slice(0, 8)}`;
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let commands: TemporalSettlementCommands;
  let client: Client;

  beforeAll(async () => {
    installTemporalRuntime(logger);
    const address = testEnvironment().temporalAddress;
    nativeConnection = await NativeConnection.connect({ address });
    worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./support/workflows/early-decision.workflow'),
    });
    running = worker.run();
    connection = await Connection.connect({ address });
    client = new Client({ connection });
    // Only decide() is used: it needs no run settings.
    commands = new TemporalSettlementCommands(client, taskQueue, {} as SettlementSettings, undefined, 20_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      started.map((id) =>
        client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => {}),
      ),
    );
    worker?.shutdown();
    await running;
    await connection?.close();
    await nativeConnection?.close();
  });

  const started: string[] = [];
  const startRun = async (): Promise<string> => {
    const id = `settlement:early-${randomUUID()}`;
    await client.workflow.start(earlyDecisionWorkflow, { workflowId: id, taskQueue, args: [id] });
    started.push(id);
    return id;
  };

  it('is asked again until the run awaits approval, then decided once', async () => {
    const id = await startRun();
    const deciding = commands.decide(id, 'approve', { actor: 'second-operator', reason: null });
    // Let the first refusal come back before the run leaves PLANNING.
    await new Promise((r) => setTimeout(r, 1_000));
    await client.workflow.getHandle(id).signal(plannedSignal);
    const view = await deciding;
    expect(view).toMatchObject({ settlementId: id, approval: 'APPROVED', decidedBy: 'second-operator' });
    const decisions = await client.workflow.getHandle(id).query(decisionsQuery);
    expect(decisions).toEqual([expect.objectContaining({ action: 'approve', actor: 'second-operator' })]);
  });

  it('is refused at once when the run is past approval', async () => {
    const id = await startRun();
    await client.workflow.getHandle(id).signal(plannedSignal);
    await commands.decide(id, 'approve', { actor: 'first', reason: null });
    const started = Date.now();
    expect(await client.workflow.getHandle(id).query(decisionsQuery)).toHaveLength(1);
    const refusal = await commands.decide(id, 'approve', { actor: 'again', reason: null }).catch((e) => e);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).code).toBe('SETTLEMENT.NOT_AWAITING_APPROVAL');
    // No waiting out the deadline for a refusal that will never change.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
