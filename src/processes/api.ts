import { runStandalone } from '../infra/standalone';

/** Wiring point of a standalone api process. */
runStandalone('api');
