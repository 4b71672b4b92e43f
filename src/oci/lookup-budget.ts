import { PaksError } from '../errors.js';

/** Said when a registry used up its time for one look-up; the look-up moves on to the next source. */
export class LookupTimedOut extends PaksError {
  constructor(limitMs: number) {
    super('network', `no answer within ${Number((limitMs / 1000).toFixed(1))} s`);
  }
}

/**
 * The time one look-up may spend finding something in each registry, shared by every step
 * of it (the scheme probe, tokens, retries, the Paks artifact, the Spack-native index), so a
 * registry that never answers costs at most `limitMs` however many steps ask it.
 */
export interface LookupBudget {
  readonly limitMs: number;
  /**
   * Runs `work` with what is left of `registry`'s time. When that runs out, `controller` is
   * aborted (ending every request of the client it cancels) and this rejects with LookupTimedOut.
   */
  within<T>(registry: string, controller: AbortController, work: () => Promise<T>): Promise<T>;
}

export function createLookupBudget(limitMs: number, now: () => number = Date.now): LookupBudget {
  const spent = new Map<string, number>();
  return {
    limitMs,
    async within(registry, controller, work) {
      const left = limitMs - (spent.get(registry) ?? 0);
      const timedOut = new LookupTimedOut(limitMs);
      if (left <= 0 || controller.signal.aborted) throw timedOut;
      const started = now();
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort(timedOut);
          reject(timedOut);
        }, left);
      });
      try {
        return await Promise.race([work(), expired]);
      } catch (error) {
        throw controller.signal.aborted ? timedOut : error;
      } finally {
        clearTimeout(timer);
        spent.set(registry, (spent.get(registry) ?? 0) + now() - started);
      }
    },
  };
}
