import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { DecisionSigner } from '../src/infra/auth/actor-assertion';
import { AesGcmPayloadCodec } from '../src/infra/temporal/encryption-codec';
import {
  approveUpdate,
  getStateQuery,
  resolvePayoutSignal,
  type DecisionInput,
} from '../src/workflows/payment.messages';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import {
  bearer,
  createPartner,
  eventually,
  http,
  plainHistoriesDataConverter,
  startTestSystem,
  TEST_CODEC_KEYS,
  TEST_KEYS,
  TEST_SECRETS,
  testDataConverter,
  type TestSystem,
} from './support/system';
import { readFixtureDir, replayErrors } from './support/history-fixtures';
import { describeWithPostgres } from './support/test-env';

/**
 * Four-eyes below the API: someone who reaches the Temporal frontend directly must not be able to
 * approve a payment in anybody's name. Decisions carry the API's Ed25519 signature, which the
 * payment workflow checks against the key its worker reported; the workers' codec refuses
 * payloads nobody of ours encrypted (in every mode), and replaying old plain histories is an
 * explicit, separate path.
 */
const SIGNING_KEY = TEST_SECRETS.actorSigningKey;

describeWithPostgres('operator decisions the engine itself cannot forge', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem({ APPROVAL_THRESHOLDS: '{"USD":100000}' });
  }, 30_000);
  afterAll(async () => {
    await sys?.stop();
  });

  const awaitingApproval = async (): Promise<string> => {
    const partner = await createPartner(sys.apiUrl);
    const created = await http(
      sys.apiUrl,
      'POST',
      '/payments',
      {
        partnerId: partner.id,
        currency: 'USD',
        lines: [
          { reference: `big-${randomBytes(4).toString('hex')}`, amountMinor: 250_000, description: 'bonus' },
        ],
      },
      bearer(TEST_KEYS.alice),
    );
    expect(created.status).toBe(202);
    const paymentId: string = created.body.id;
    await eventually(
      () => sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).query(getStateQuery),
      (s) => s.status === 'AWAITING_APPROVAL',
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    return paymentId;
  };

  /** An approve Update sent straight to Temporal, as an intruder on the frontend would. */
  const directApprove = async (paymentId: string, decision: DecisionInput): Promise<string> => {
    try {
      await sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).executeUpdate(approveUpdate, {
        args: [decision],
      });
      return 'accepted';
    } catch (e) {
      if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) {
        return `${e.cause.type}: ${e.cause.message}`;
      }
      throw e;
    }
  };

  it('refuses unsigned, forged, foreign-key, expired and misbound decisions; the API’s own go through', async () => {
    const paymentId = await awaitingApproval();
    const signer = new DecisionSigner(SIGNING_KEY, 60_000);
    const foreign = new DecisionSigner(randomBytes(32).toString('base64'), 60_000);
    const expired = new DecisionSigner(SIGNING_KEY, -1_000);
    const valid = signer.sign({ paymentId, action: 'approve', actor: 'bob' });

    const refusals = {
      unsigned: await directApprove(paymentId, { actor: 'bob' }),
      garbage: await directApprove(paymentId, {
        actor: 'bob',
        assertion: { expiresAt: valid.expiresAt, signature: 'zz' },
      }),
      foreignKey: await directApprove(paymentId, {
        actor: 'bob',
        assertion: foreign.sign({ paymentId, action: 'approve', actor: 'bob' }),
      }),
      expired: await directApprove(paymentId, {
        actor: 'bob',
        assertion: expired.sign({ paymentId, action: 'approve', actor: 'bob' }),
      }),
      // A genuine signature, replayed for another actor, action or payment.
      otherActor: await directApprove(paymentId, { actor: 'mallory', assertion: valid }),
      otherAction: await directApprove(paymentId, {
        actor: 'bob',
        assertion: signer.sign({ paymentId, action: 'reject', actor: 'bob' }),
      }),
      otherPayment: await directApprove(paymentId, {
        actor: 'bob',
        assertion: signer.sign({
          paymentId: globalThis.crypto.randomUUID(),
          action: 'approve',
          actor: 'bob',
        }),
      }),
      pushedExpiry: await directApprove(paymentId, {
        actor: 'bob',
        assertion: {
          ...expired.sign({ paymentId, action: 'approve', actor: 'bob' }),
          expiresAt: Date.now() + 60_000,
        },
      }),
    };
    expect(refusals).toEqual({
      unsigned: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*missing/),
      garbage: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*forged/),
      foreignKey: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*forged/),
      expired: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*expired/),
      otherActor: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*forged/),
      otherAction: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*forged/),
      otherPayment: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*forged/),
      pushedExpiry: expect.stringMatching(/^PAYMENT\.DECISION_NOT_AUTHENTIC: .*forged/),
    });
    // Nothing of that reached the payment.
    const state = await sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).query(getStateQuery);
    expect(state).toMatchObject({ status: 'AWAITING_APPROVAL', approvedBy: null });

    // A correctly signed decision still obeys four-eyes (the signature proves origin, not rights).
    expect(
      await directApprove(paymentId, {
        actor: 'alice',
        assertion: signer.sign({ paymentId, action: 'approve', actor: 'alice' }),
      }),
    ).toMatch(/^PAYMENT\.FOUR_EYES_VIOLATION/);
    // Through the API, the signature is made for the caller: approved and paid.
    const approved = await http(
      sys.apiUrl,
      'POST',
      `/payments/${paymentId}/approve`,
      {},
      bearer(TEST_KEYS.bob),
    );
    expect(approved.status).toBe(200);
    expect(approved.body.approvedBy).toBe('bob');
  });

  it('the codec refuses a plain payload in every mode, and passes it only when told to accept plaintext', async () => {
    const strict = new AesGcmPayloadCodec(TEST_CODEC_KEYS);
    const permissive = new AesGcmPayloadCodec(TEST_CODEC_KEYS, { acceptPlaintext: true });
    const plain = {
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode('{}'),
    };
    await expect(strict.decode([plain])).rejects.toThrow(/refusing an unencrypted payload/);
    await expect(permissive.decode([plain])).resolves.toEqual([plain]);
    // Our own encrypted payloads pass the strict codec.
    const [encrypted] = await strict.encode([plain]);
    await expect(strict.decode([encrypted!])).resolves.toEqual([
      expect.objectContaining({ data: plain.data }),
    ]);
  });

  it('a plain signal sent straight to Temporal never reaches the workflow: the worker refuses it (NODE_ENV=test too)', async () => {
    const paymentId = await awaitingApproval();
    const handle = sys.client.workflow.getHandle(paymentWorkflowId(paymentId));
    // No codec: what anyone with access to the frontend sends.
    const intruder = new Client({
      connection: sys.client.connection,
      namespace: sys.config.temporal.namespace,
    });
    try {
      await intruder.workflow
        .getHandle(paymentWorkflowId(paymentId))
        .signal(resolvePayoutSignal, { outcome: 'PAID', payoutReference: 'forged' });
      const refused = await eventually(
        async () =>
          ((await handle.fetchHistory()).events ?? [])
            .map((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? '')
            .filter(Boolean),
        (messages) => messages.length > 0,
      );
      expect(refused[0]).toMatch(/refusing an unencrypted payload/);
    } finally {
      // Its workflow tasks would fail on that signal forever.
      await handle.terminate('test: plain signal refused');
    }
  });

  it('replays recorded plain histories only through the explicit permissive path', async () => {
    const histories = readFixtureDir(resolve(__dirname, 'fixtures/histories'));
    const plainOnes = histories.filter((h) => !JSON.stringify(h.history).includes('YmluYXJ5L2VuY3J5cHRlZA'));
    expect(plainOnes.length).toBeGreaterThan(0);
    expect(await replayErrors(plainOnes, { dataConverter: plainHistoriesDataConverter })).toEqual([]);
    // The system's own converter (strict by default) refuses every one of them.
    const strictErrors = await replayErrors(plainOnes, { dataConverter: testDataConverter });
    expect(strictErrors.length).toBe(plainOnes.length);
    expect(strictErrors.every((e) => /refusing an unencrypted payload/.test(e))).toBe(true);
  }, 60_000);
});
