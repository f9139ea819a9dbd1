import { readFileSync } from "node:fs";
import path from "node:path";
import { generateKeyPair, importJWK, SignJWT, type JWTPayload } from "jose";
import { LOCAL_ISSUER } from "../auth/local-idp.server";
import { config } from "../config.server";

/** Tokens that must be refused, each broken in one way; all claim to be an admin. */
export async function brokenTokens(userId: string): Promise<Record<string, string>> {
  const stored = JSON.parse(readFileSync(path.join(config().dataDir, "idp", "es256.json"), "utf8"));
  const realKey = await importJWK(stored.privateJwk, "ES256");
  const { privateKey: strangerKey } = await generateKeyPair("ES256");
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: JWTPayload, key = realKey, kid = stored.privateJwk.kid as string) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).sign(key);
  const base = {
    sub: userId,
    iss: LOCAL_ISSUER,
    iat: now,
    exp: now + 600,
    v: 2,
    sid: "sess_broken",
    o: { id: "org_x", rol: "admin" },
  };
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
    headerOnly: `${header}.${payload}`,
  };
}
