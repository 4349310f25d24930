/** The runbook interface, as runbooks see it: defined by the engine, implemented here. */
export type * from '../workflows/engine/runbook.ts';
export type * from '../workflows/engine/context.ts';
