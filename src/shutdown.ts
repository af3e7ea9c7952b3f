import type { Logger } from "./log.js";

/**
 * Stop steps against one deadline: each resolves when its task settled (either way) or the
 * deadline passed, and a step left behind says so in a warn line.
 */
export function stopWithin(ms: number, log: Logger) {
  const deadline = Date.now() + ms;
  return async (name: string, task: Promise<unknown> | undefined): Promise<void> => {
    if (task === undefined) return;
    const settled = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      task.then(done, done);
    });
    if (!settled) log.warn({ step: name }, "stopping did not finish in time; left behind");
  };
}
