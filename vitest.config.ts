import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real processes and sockets; keep them bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
