import { runStandalone } from '../infra/standalone';

/** Wiring point of a standalone ui process. */
runStandalone('ui');
