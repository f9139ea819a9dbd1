import { defineConfig, devices } from "@playwright/test";
import { chromiumExecutable } from "./e2e/browser";
import { APP_ORIGIN, E2E_PORT as PORT } from "./e2e/origin";
const executablePath = chromiumExecutable();

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [["list"], ["html", { open: "never" }]],
  outputDir: "test-results",
  use: {
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
    // The production build on a fresh embedded Postgres (see e2e/serve.ts).
    command: "node --import tsx e2e/serve.ts",
    url: `${APP_ORIGIN}/healthz`,
    env: { PORT: String(PORT), WARDEN_DATA_DIR: process.env.E2E_DATA_DIR ?? ".data/e2e" },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  },
});
