/**
 * Milliseconds since the epoch. app.ts makes one clock and hands it to everything that tells
 * time, so the whole shop agrees on "now"; tests hand in one they can move.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** What `task` resolves to, or undefined when it fails, is absent or takes longer than `ms`. */
export function within<T>(ms: number, task: Promise<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    task?.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

/** What `task` resolves or rejects with, or a rejection with `late()` when it takes over `ms`. */
export async function deadline<T>(ms: number, task: Promise<T>, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
