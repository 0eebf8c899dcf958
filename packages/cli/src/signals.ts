/**
 * Wires SIGINT/SIGTERM to an AbortController: the first signal asks the run to stop cleanly (flush, checkpoint,
 * close), a second one exits at once with the signal's code.
 */
import { ExitCode } from '@etl/core';

export interface SignalWiring {
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: 'SIGINT' | 'SIGTERM' | undefined;
  /** The exit code for the signal received (130 for SIGINT, 143 for SIGTERM). */
  readonly exitCode: number | undefined;
  dispose(): void;
}

export function wireSignals(onFirst?: (signal: 'SIGINT' | 'SIGTERM') => void): SignalWiring {
  const controller = new AbortController();
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  const codeOf = (s: 'SIGINT' | 'SIGTERM') => (s === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated);
  const handler = (signal: 'SIGINT' | 'SIGTERM') => {
    if (received) {
      process.stderr.write(`\nSecond ${signal}: exiting now without a clean stop.\n`);
      process.exit(codeOf(signal));
    }
    received = signal;
    onFirst?.(signal);
    controller.abort(signal);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get exitCode() {
      return received ? codeOf(received) : undefined;
    },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
