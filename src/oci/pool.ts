interface Failure {
  failed: boolean;
  error?: unknown;
}

async function drain<T, R>(indexes: readonly number[], items: readonly T[], limit: number, failure: Failure, results: R[], work: (item: T, index: number) => Promise<R>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (!failure.failed && next < indexes.length) {
      const index = indexes[next++] as number;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        if (!failure.failed) failure.error = error;
        failure.failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, indexes.length)) }, worker));
}

/**
 * Runs `work` over `items` with at most `limit` at once. After the first failure no new
 * item starts; running ones finish (so their cleanup runs), then that first error is thrown.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const failure: Failure = { failed: false };
  await drain(items.map((_, i) => i), items, limit, failure, results, work);
  if (failure.failed) throw failure.error;
  return results;
}

/**
 * Like mapWithConcurrency, with two lanes of `limit` each: small items are bound by round
 * trips and large ones by bandwidth, so small ones go on beside the large instead of
 * queueing behind them. At most 2 × limit run at once; the first failure stops both lanes.
 */
export async function mapInSizeLanes<T, R>(
  items: readonly T[],
  isLarge: (item: T) => boolean,
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const failure: Failure = { failed: false };
  const large: number[] = [];
  const small: number[] = [];
  items.forEach((item, i) => (isLarge(item) ? large : small).push(i));
  await Promise.all([drain(large, items, limit, failure, results, work), drain(small, items, limit, failure, results, work)]);
  if (failure.failed) throw failure.error;
  return results;
}
