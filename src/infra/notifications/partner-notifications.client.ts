import type { Client, SignalDefinition } from '@temporalio/client';
import type {
  NotifyPartnerInput,
  PartnerNotificationsSettings,
  PartnerNotifier,
  ResendNotificationInput,
} from '../../ports/notification.port';
import {
  partnerNotificationsWorkflowType,
  paymentEventSignal,
  resendNotificationSignal,
  type PartnerNotificationsInput,
  type PartnerNotificationsWorkflow,
} from '../../workflows/partner-notifications.messages';
import { PartnerIdKey } from '../../workflows/search-attributes';
import { partnerNotificationsWorkflowId } from '../../workflows/workflow-ids';

/**
 * Reaches a partner's notification workflow with signal-with-start: the first message for a
 * partner starts it, later ones join the running one. Used by the payment workflow's
 * `notifyPartner` activity and by the API's resend.
 */
export class PartnerNotificationsClient implements PartnerNotifier {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly settings: PartnerNotificationsSettings,
  ) {}

  async notify(event: NotifyPartnerInput): Promise<void> {
    await this.signalWithStart(event.partnerId, paymentEventSignal, event);
  }

  async resend(request: ResendNotificationInput): Promise<void> {
    await this.signalWithStart(request.partnerId, resendNotificationSignal, request);
  }

  /** Signals the partner's workflow, starting it first when it is not running. */
  private async signalWithStart<A>(partnerId: string, signal: SignalDefinition<[A]>, arg: A): Promise<void> {
    const initial: PartnerNotificationsInput = { partnerId, settings: this.settings };
    await this.client.workflow.signalWithStart<PartnerNotificationsWorkflow, [A]>(
      partnerNotificationsWorkflowType,
      {
        workflowId: partnerNotificationsWorkflowId(partnerId),
        taskQueue: this.taskQueue,
        args: [initial],
        // Lets operators find a partner's notification workflow: PartnerId="…" in the Web UI.
        typedSearchAttributes: [{ key: PartnerIdKey, value: partnerId }],
        signal,
        signalArgs: [arg],
      },
    );
  }
}
