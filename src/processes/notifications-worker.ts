import { runStandalone } from './wiring/standalone';

/** Wiring point of the standalone notification service: deploys and scales apart from the payments worker. */
runStandalone('notifications');
