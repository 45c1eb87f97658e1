import { runStandalone } from './wiring/standalone';

/** Wiring point of a standalone ui process. */
runStandalone('ui');
