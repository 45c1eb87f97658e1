import { runStandalone } from './wiring/standalone';

/** Wiring point of a standalone worker process. */
runStandalone('worker');
