import { configDefaults, defineConfig } from "vitest/config";

/**
 * The suites that hold the shop's promises on a Redis Cluster too (DESIGN §12): the order store
 * and payments core, the fulfilment worker and its deliverers, the job lock, the watcher's lease
 * and polls, backup and restore, one end-to-end purchase in TON and one in Stars.
 */
const clusterSuites = [
  "test/payments/record.test.ts",
  "test/fulfilment/worker.test.ts",
  "test/fulfilment/stock.test.ts",
  "test/fulfilment/webhook.test.ts",
  "test/redis/lock.test.ts",
  "test/redis/lease.test.ts",
  "test/payments/ton/watcher.test.ts",
  "test/payments/jetton/watcher.test.ts",
  "test/payments/ton/watcher-reconcile.test.ts",
  "test/support/tickets.test.ts",
  "test/ops/backup.test.ts",
  "test/e2e/ton-purchase.test.ts",
  "test/e2e/telegram-payments.test.ts",
];

/** What only means something on a cluster. */
const clusterOnly = [
  "test/redis/cluster.test.ts",
  "test/e2e/scale-out.test.ts",
  "test/ops/backup-resharding.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for the shop, not for a deadline: a loaded machine is slow, not wrong.
    expect: { poll: { timeout: 30_000 } },
    // Emulated chains are CPU-heavy; two workers match the two cores we plan for.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "redis",
          include: ["test/**/*.test.ts", "packages/emulators/test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...clusterOnly],
          // One redis-server on a free port, or REDIS_URL.
          globalSetup: ["test/support/global-setup.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "cluster",
          include: [...clusterSuites, ...clusterOnly],
          // A 3-master Redis Cluster on free ports, or REDIS_CLUSTER_NODES. After the redis project:
          // the scale-out test runs three shop processes, and two cores are enough for one such load.
          globalSetup: ["test/support/cluster-setup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
