import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/**
 * Playwright's own Chromium where it is installed, else the system's
 * (Debian's `chromium`). With neither, say exactly what to do.
 */
export function chromiumExecutable(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  let bundled: string | undefined;
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = undefined;
  }
  if (bundled && existsSync(bundled)) return undefined;
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  throw new Error(
    [
      "No Chromium found for the browser tests.",
      "  On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium",
      "  Elsewhere:        npx playwright install chromium",
      "  Or point CHROMIUM_PATH at a Chromium binary.",
    ].join("\n"),
  );
}
