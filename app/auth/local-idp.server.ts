import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import type { ClerkOrgRole } from "../../roles/roles";
import { findDemoOrganization } from "../../db/demo-identities";
import { config } from "../config.server";

/**
 * The stand-in for Clerk in the embedded default: one ES256 key made on first
 * run, published as a JWKS, signing tokens shaped like Clerk's v2 session
 * tokens. They are verified by the same code that verifies Clerk's.
 */
export const LOCAL_ISSUER = "urn:warden:local-idp";
/** As long as the cookie session that carries it: when it runs out, the next request answers 401. */
export const LOCAL_TOKEN_TTL_SECONDS = 12 * 60 * 60;

interface StoredKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

let cached: Promise<StoredKey> | undefined;

async function createOrLoadKey(file: string): Promise<StoredKey> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StoredKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = randomUUID();
  const stored: StoredKey = {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "ES256" },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" },
  };
  await mkdir(path.dirname(file), { recursive: true });
  try {
    // `wx`: when two processes race on first run, the first key wins for both.
    await writeFile(file, JSON.stringify(stored), { flag: "wx", mode: 0o600 });
    return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return JSON.parse(readFileSync(file, "utf8")) as StoredKey;
  }
}

function localKey(): Promise<StoredKey> {
  cached ??= createOrLoadKey(path.join(config().dataDir, "idp", "es256.json"));
  return cached;
}

export async function localJwks(): Promise<{ keys: JWK[] }> {
  return { keys: [(await localKey()).publicJwk] };
}

/**
 * `org: null` signs a token with no active organization (the personal
 * workspace), as Clerk does for a user outside any org.
 */
export async function signLocalToken(
  identity: { userId: string; org: { id: string; role: ClerkOrgRole } | null },
  options: { ttlSeconds?: number; sessionId?: string } = {},
) {
  const { privateJwk } = await localKey();
  const key = await importJWK(privateJwk, "ES256");
  const now = Math.floor(Date.now() / 1000);
  const { org } = identity;
  return new SignJWT({
    v: 2,
    sid: options.sessionId ?? `sess_${randomUUID()}`,
    azp: "warden-local",
    ...(org
      ? {
          o: {
            id: org.id,
            rol: org.role.replace(/^org:/, ""),
            slg: findDemoOrganization(org.id)?.slug ?? org.id,
          },
        }
      : {}),
  })
    .setProtectedHeader({ alg: "ES256", kid: privateJwk.kid, typ: "JWT" })
    .setIssuer(LOCAL_ISSUER)
    .setSubject(identity.userId)
    .setIssuedAt(now)
    .setNotBefore(now - 5)
    .setExpirationTime(now + (options.ttlSeconds ?? LOCAL_TOKEN_TTL_SECONDS))
    .sign(key);
}
