import { randomBytes } from "node:crypto";
import path from "node:path";
import { readOrCreateSecret } from "./secret-file";

/**
 * The embedded default's Clerk webhook signing secret: the app verifies with
 * it, and `npm run directory:send-event` signs with it, so the webhook can be
 * tried locally exactly as Clerk calls it.
 */
export const localWebhookSecret = (dataDir: string) =>
  readOrCreateSecret(
    path.join(dataDir, "idp", "webhook-secret"),
    () => `whsec_${randomBytes(24).toString("base64")}`,
  );
