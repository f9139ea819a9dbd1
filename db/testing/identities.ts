import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { importJWK, SignJWT, generateKeyPair, type JWTPayload } from "jose";
import { signLocalToken, LOCAL_ISSUER } from "../../app/auth/local-idp.server";
import { localDataDir } from "../../app/auth/mode.server";
import type { ClerkOrgRole } from "../../roles/roles";
import { createPool } from "../driver";

/** A fresh user id per test, so files never see each other's rows. */
export const freshUserId = (label: string) => `user_${label}_${randomUUID().slice(0, 8)}`;

export const tokenFor = (userId: string, orgRole: ClerkOrgRole) => signLocalToken({ userId, orgRole });

/** Tokens that must be refused, each broken in one way. */
export async function brokenTokens(userId: string): Promise<Record<string, string>> {
  const stored = JSON.parse(readFileSync(path.join(localDataDir(), "idp", "es256.json"), "utf8"));
  const realKey = await importJWK(stored.privateJwk, "ES256");
  const { privateKey: strangerKey } = await generateKeyPair("ES256");
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: JWTPayload, key = realKey, kid = stored.privateJwk.kid as string) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).sign(key);
  const base = { sub: userId, iss: LOCAL_ISSUER, iat: now, exp: now + 600, v: 2, o: { id: "org_x", rol: "admin" } };
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const valid = await sign(base);
  const [header, payload] = valid.split(".");
  return {
    expired: await sign({ ...base, iat: now - 3600, exp: now - 600 }),
    wrongIssuer: await sign({ ...base, iss: "https://evil.example" }),
    foreignKey: await sign(base, strangerKey),
    unsigned: `${b64({ alg: "none", typ: "JWT" })}.${b64(base)}.`,
    tamperedPayload: `${header}.${b64({ ...base, sub: "user_someone_else" })}.${valid.split(".")[2]}`,
    numericSub: await sign({ ...base, sub: 42 as unknown as string }),
    noExpiry: await sign({ sub: userId, iss: LOCAL_ISSUER, iat: now }),
    garbage: "not-a-jwt",
    empty: "",
    headerOnly: `${header}.${payload}`,
  };
}

/** The owner connection, for arranging and checking data behind RLS's back. */
export function ownerPool() {
  return createPool(process.env.DATABASE_URL!, { max: 2 });
}
