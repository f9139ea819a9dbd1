import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
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
  const file = path.join(config().dataDir, "idp", "session-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    return readFileSync(file, "utf8").trim();
  }
}
