import { defineConfig, devices } from "@playwright/test";
import { chromiumExecutable } from "./e2e/browser";
import { APP_ORIGIN, E2E_DATA_DIR, E2E_WORKERS } from "./e2e/origin";
const executablePath = chromiumExecutable();

export default defineConfig({
  testDir: "./e2e",
  // Files run side by side, each worker on its own server and database (e2e/origin.ts); a file's tests run in order.
  fullyParallel: false,
  workers: E2E_WORKERS,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Workers share the CPUs: a test of several pages that takes 20 s alone has taken over 30 s beside another.
  timeout: 60_000,
  reporter: [["list"], ["html", { open: "never" }]],
  outputDir: "test-results",
  use: {
    // Each worker loads this file again, and gets its own origin.
    baseURL: APP_ORIGIN,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath,
          // The sandbox needs privileges CI containers lack; background
          // networking only produces refused connections on a closed network.
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        },
      },
    },
  ],
  webServer: {
    // The production build on a fresh embedded Postgres, once per worker (see e2e/serve.ts).
    command: "node --import tsx e2e/serve.ts",
    wait: { stdout: /\[e2e\] ready/ },
    env: { WARDEN_DATA_DIR: E2E_DATA_DIR },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  },
});
