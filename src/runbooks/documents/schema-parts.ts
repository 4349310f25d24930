/** The building blocks every part of the runbook document schema uses. */
import { z } from 'zod';
import { lazySchemaInWorkflows } from '../../contract/lazy-schema.ts';

export const Id = lazySchemaInWorkflows(() =>
  z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, - and _, starting with a letter'),
);
export const Text = lazySchemaInWorkflows(() => z.string().min(1));
/** How the service's key is sent: `<header>: <prefix><key>`. */
export const Auth = lazySchemaInWorkflows(() => z.object({ header: Text, prefix: z.string().optional() }).strict());
