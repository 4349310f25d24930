import { DefaultLogger, Runtime } from '@temporalio/worker';

// Quiet SDK chatter in test output; warnings and errors still show.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this worker process.
}
