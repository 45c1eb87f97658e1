/** The one place workflow ids are built: they are how the API, workers and operators find a workflow. */
export const paymentWorkflowId = (paymentId: string): string => `payment:${paymentId}`;

export const partnerNotificationsWorkflowId = (partnerId: string): string =>
  `partner-notifications:${partnerId}`;

export const paymentIdFromWorkflowId = (workflowId: string): string | undefined =>
  workflowId.startsWith('payment:') ? workflowId.slice('payment:'.length) : undefined;
