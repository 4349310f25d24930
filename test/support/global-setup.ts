import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../src/infra/dev-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

let server: DevServer | undefined;

/** One Temporal dev server for the whole run; every test uses its own task queue on it. */
export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ uiPort: null, logLevel: 'error' });
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
