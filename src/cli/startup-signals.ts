import { constants } from 'node:os';
import { CliError } from './errors.ts';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `start` with SIGINT/SIGTERM turned into an abort, so a person who gives up on a slow start
 * gets every child stopped and the prompt back. Our handlers are gone once `start` settles, leaving
 * the signals to whatever runs next (the worker's own graceful shutdown).
 */
export async function interruptibleStartup<T>(start: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const held = holdStopSignals();
  try {
    return await start(held.signal);
  } catch (err) {
    const received = held.received();
    if (received) {
      throw new CliError(
        `interrupted by ${received} during startup; everything it started is stopped`,
        128 + constants.signals[received],
        { cause: err },
      );
    }
    throw err;
  } finally {
    held.release();
  }
}

/**
 * Holds SIGINT/SIGTERM as an abort until `release`: the process no longer dies of them by default,
 * and whoever runs next reads the abort. Later signals reach the SDK's own handling as well.
 */
export function holdStopSignals(): {
  signal: AbortSignal;
  received(): NodeJS.Signals | undefined;
  release(): void;
} {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (name: NodeJS.Signals) => {
    received ??= name;
    controller.abort();
  };
  for (const name of SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    received: () => received,
    release: () => {
      for (const name of SIGNALS) process.off(name, handler);
    },
  };
}
