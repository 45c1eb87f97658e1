/** Entry point of the notifications worker's workflow bundle: only the notification service's workflows. */
export { partnerNotificationsWorkflow } from './partner-notifications.workflow';
