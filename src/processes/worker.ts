import { runStandalone } from '../infra/standalone';

/** Wiring point of a standalone worker process. */
runStandalone('worker');
