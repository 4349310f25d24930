import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadRunbookDocuments } from '../../src/worker/runbook-documents.ts';

// Quiet SDK chatter in test output; warnings and errors still show.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this worker process.
}

// Every runbook process knows the built-in runbook documents (the CLI and the worker load them at start): so does every test.
loadRunbookDocuments();
