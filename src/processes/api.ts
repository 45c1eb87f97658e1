import { runStandalone } from './wiring/standalone';

/** Wiring point of a standalone api process. */
runStandalone('api');
