import { exitCodeFor, interrupt } from '../interruption.js';

/**
 * SIGINT and SIGTERM end a command like any failure: Spack and transfers stop, temporary
 * folders go, one line says what is left (e.g. the kept build cache), exit 130 / 143.
 * Output of the work being stopped is dropped so that line is the last word.
 */
export function handleInterruptions(): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(exitCodeFor(signal));
    stopping = true;
    const write = process.stderr.write.bind(process.stderr);
    const drop = (() => true) as typeof process.stderr.write;
    process.stdout.write = drop;
    process.stderr.write = drop;
    void interrupt(signal).then(
      (note) => {
        write(`Interrupted (${signal}): ${note ?? 'stopped Spack and the transfers, and removed the temporary folders'}.\n`);
        process.exit(exitCodeFor(signal));
      },
      () => process.exit(exitCodeFor(signal)),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
