import { randomBytes } from "node:crypto";
import path from "node:path";
import { readOrCreateSecret } from "../../db/local/secret-file";
import { config } from "../config.server";

let secret: Promise<string> | undefined;

/**
 * The secret that signs the app's cookies: WARDEN_SESSION_SECRET (required
 * outside the embedded default), else one made on first run under the data
 * directory.
 */
export function cookieSecret(): Promise<string> {
  secret ??= load();
  return secret;
}

async function load(): Promise<string> {
  const configured = config().sessionSecret;
  if (configured) return configured;
  return readOrCreateSecret(path.join(config().dataDir, "idp", "session-secret"), () =>
    randomBytes(32).toString("base64url"),
  );
}
