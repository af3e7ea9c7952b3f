import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "packages/emulators/test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for the shop, not for a deadline: a loaded machine is slow, not wrong.
    expect: { poll: { timeout: 30_000 } },
    // Emulated chains are CPU-heavy; two workers match the two cores we plan for.
    maxWorkers: 2,
  },
});
