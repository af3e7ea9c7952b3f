/**
 * The shop's one retry schedule: waits that double from `baseMs` with each failure, up to
 * `maxMs`. With `jitter`, each wait is drawn from [½, 1] of that, so many retries that failed
 * together do not come back together. HTTP calls to toncenter and Telegram retry through p-retry.
 */
export function backoff(
  baseMs: number,
  maxMs: number,
  options: { jitter?: boolean } = {},
): (failures: number) => number {
  return (failures) => {
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
    return options.jitter ? Math.round(ceiling * (0.5 + Math.random() / 2)) : ceiling;
  };
}
