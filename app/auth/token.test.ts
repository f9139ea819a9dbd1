import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORG_ID } from "../../db/demo-identities";
import {
  localJwks,
  LOCAL_ISSUER,
  LOCAL_TOKEN_TTL_SECONDS,
  signLocalToken,
} from "./local-idp.server";
import { createTokenVerifier, TokenRejectedError, type TokenVerifier } from "./token.server";
import { clerkIssuerFromPublishableKey } from "../config.server";

const ISSUER = "https://example.clerk.accounts.dev";
const KID = "test-key-1";
const now = () => Math.floor(Date.now() / 1000);

// A key pair of our own stands in for Clerk's: the verifier only ever sees a
// JWKS, so tokens with any claims we like can be signed against it.
let privateKey: CryptoKey;
let publicJwk: JWK;
let verifier: TokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: "ES256", use: "sig" };
  verifier = createTokenVerifier({
    keys: createLocalJWKSet({ keys: [publicJwk] }),
    issuer: ISSUER,
    algorithm: "ES256",
  });
});

function sign(claims: JWTPayload, key: CryptoKey = privateKey, kid = KID) {
  return new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).sign(key);
}

const validClaims = (extra: JWTPayload = {}): JWTPayload => ({
  sub: "user_123",
  iss: ISSUER,
  iat: now(),
  exp: now() + 600,
  ...extra,
});

/** Resolves to the rejection, so each case can assert why it was refused. */
async function rejection(
  token: string,
  using: TokenVerifier = verifier,
): Promise<TokenRejectedError> {
  const error = await using.verify(token).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, "the token was accepted").toBeInstanceOf(TokenRejectedError);
  return error as TokenRejectedError;
}

describe("signLocalToken", () => {
  it("issues a Clerk v2-shaped token that expires with the 12-hour session", async () => {
    const before = now();
    const token = await signLocalToken({
      userId: "user_alice",
      org: { id: DEMO_ORG_ID, role: "org:moderator" },
    });
    const after = now();
    const claims = decodeJwt(token);

    expect(claims).toMatchObject({
      v: 2,
      sub: "user_alice",
      iss: LOCAL_ISSUER,
      o: { id: DEMO_ORG_ID, rol: "moderator", slg: "acme" },
    });
    // v2 carries the bare role; a leftover prefix would be read as an unknown role elsewhere.
    expect((claims.o as { rol: string }).rol).not.toMatch(/^org:/);
    expect(claims).not.toHaveProperty("org_role");
    expect(claims.sid).toMatch(/^sess_[0-9a-f-]{36}$/);
    expect(LOCAL_TOKEN_TTL_SECONDS).toBe(12 * 60 * 60);
    expect(claims.exp).toBeGreaterThanOrEqual(before + 12 * 60 * 60);
    expect(claims.exp).toBeLessThanOrEqual(after + 12 * 60 * 60);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
  });

  it("signs with the published key, so the local verifier accepts its own tokens", async () => {
    const jwks = await localJwks();
    const token = await signLocalToken({
      userId: "user_bob",
      org: { id: DEMO_ORG_ID, role: "org:admin" },
    });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", kid: jwks.keys[0].kid });
    // Only the public half may be published.
    expect(jwks.keys[0]).not.toHaveProperty("d");

    const local = createTokenVerifier({
      keys: createLocalJWKSet(jwks),
      issuer: LOCAL_ISSUER,
      algorithm: "ES256",
    });
    const identity = await local.verify(token);
    expect(identity).toMatchObject({
      userId: "user_bob",
      orgId: DEMO_ORG_ID,
      tenantId: DEMO_ORG_ID,
      orgRole: "org:admin",
      backendRole: "admin_backend",
    });
  });

  it("honours a caller-chosen session id and lifetime", async () => {
    const before = now();
    const claims = decodeJwt(
      await signLocalToken(
        { userId: "user_alice", org: { id: DEMO_ORG_ID, role: "org:member" } },
        { sessionId: "sess_fixed", ttlSeconds: 60 },
      ),
    );
    expect(claims.sid).toBe("sess_fixed");
    expect(claims.exp! - before).toBeGreaterThanOrEqual(60);
    expect(claims.exp! - before).toBeLessThanOrEqual(61);
  });

  it("gives each token its own session id by default", async () => {
    const identity = {
      userId: "user_alice",
      org: { id: DEMO_ORG_ID, role: "org:member" },
    } as const;
    const [a, b] = await Promise.all([signLocalToken(identity), signLocalToken(identity)]);
    expect(decodeJwt(a).sid).not.toBe(decodeJwt(b).sid);
  });
});

describe("createTokenVerifier maps claims to an Identity", () => {
  it.each([
    [
      "a v1 moderator",
      { org_id: "org_1", org_role: "org:moderator" },
      "org_1",
      "org:moderator",
      "moderator_backend",
    ],
    [
      "a v2 admin",
      { v: 2, o: { id: "org_1", rol: "admin" } },
      "org_1",
      "org:admin",
      "admin_backend",
    ],
    ["no organization", {}, null, null, "authenticated_backend"],
    ["a v2 token without o", { v: 2 }, null, null, "authenticated_backend"],
    [
      "a v1 admin without an organization",
      { org_role: "org:admin" },
      null,
      null,
      "authenticated_backend",
    ],
    [
      "an unknown v1 role",
      { org_id: "org_1", org_role: "org:superuser" },
      "org_1",
      null,
      "authenticated_backend",
    ],
    [
      "an unknown v2 role",
      { v: 2, o: { id: "org_1", rol: "owner" } },
      "org_1",
      null,
      "authenticated_backend",
    ],
  ] as const)("%s", async (_name, extra, orgId, orgRole, backendRole) => {
    const claims = validClaims(extra);
    const identity = await verifier.verify(await sign(claims));
    expect(identity).toEqual({
      userId: "user_123",
      orgId,
      tenantId: orgId ?? "personal:user_123",
      orgRole,
      backendRole,
      claims,
    });
  });
});

describe("createTokenVerifier rejects", () => {
  it("an expired token", async () => {
    const token = await sign(validClaims({ iat: now() - 3600, exp: now() - 600 }));
    expect((await rejection(token)).message).toBe("session token rejected: ERR_JWT_EXPIRED");
  });

  it("a token from another issuer", async () => {
    const token = await sign(validClaims({ iss: "https://evil.example" }));
    expect((await rejection(token)).message).toBe(
      "session token rejected: ERR_JWT_CLAIM_VALIDATION_FAILED",
    );
  });

  it("a token signed by a foreign key under the trusted key id", async () => {
    const { privateKey: stranger } = await generateKeyPair("ES256");
    const token = await sign(validClaims(), stranger);
    expect((await rejection(token)).message).toBe(
      "session token rejected: ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    );
  });

  it("a token signed by a foreign key under an unknown key id", async () => {
    const { privateKey: stranger } = await generateKeyPair("ES256");
    const token = await sign(validClaims(), stranger, "someone-elses-key");
    expect((await rejection(token)).message).toBe(
      "session token rejected: ERR_JWKS_NO_MATCHING_KEY",
    );
  });

  it("an unsigned (alg: none) token", async () => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const token = `${b64({ alg: "none", typ: "JWT", kid: KID })}.${b64(validClaims())}.`;
    expect((await rejection(token)).message).toBe(
      "session token rejected: ERR_JOSE_ALG_NOT_ALLOWED",
    );
  });

  it("a token without sub", async () => {
    const claims = validClaims();
    delete claims.sub;
    expect((await rejection(await sign(claims))).message).toBe(
      "session token rejected: ERR_JWT_CLAIM_VALIDATION_FAILED",
    );
  });

  // jose lets both through; the verifier's own check is what refuses them.
  it("a token with a numeric sub", async () => {
    expect(
      (await rejection(await sign(validClaims({ sub: 42 as unknown as string })))).message,
    ).toBe("session token rejected: sub must be a non-empty string");
  });

  it("a token with an empty sub", async () => {
    expect((await rejection(await sign(validClaims({ sub: "" })))).message).toBe(
      "session token rejected: sub must be a non-empty string",
    );
  });

  it("a token without exp", async () => {
    const claims = validClaims();
    delete claims.exp;
    expect((await rejection(await sign(claims))).message).toBe(
      "session token rejected: ERR_JWT_CLAIM_VALIDATION_FAILED",
    );
  });

  it("an empty string", async () => {
    expect((await rejection("")).message).toBe("session token rejected: missing");
  });

  it("a token whose signature has been swapped onto another payload", async () => {
    const [header, , signature] = (await sign(validClaims())).split(".");
    const forged = Buffer.from(JSON.stringify(validClaims({ sub: "user_admin" }))).toString(
      "base64url",
    );
    await rejection(`${header}.${forged}.${signature}`);
  });

  it("with 401 as its status, which the web layer answers with", async () => {
    expect((await rejection("not-a-jwt")).status).toBe(401);
  });
});

describe("authorizedParties", () => {
  let strict: TokenVerifier;
  beforeAll(() => {
    strict = createTokenVerifier({
      keys: createLocalJWKSet({ keys: [publicJwk] }),
      issuer: ISSUER,
      algorithm: "ES256",
      authorizedParties: ["https://app.example"],
    });
  });

  it("accepts a token whose azp is listed", async () => {
    const identity = await strict.verify(await sign(validClaims({ azp: "https://app.example" })));
    expect(identity.userId).toBe("user_123");
  });

  it("rejects a token whose azp is not listed", async () => {
    const error = await rejection(await sign(validClaims({ azp: "https://evil.example" })), strict);
    expect(error.message).toBe("session token rejected: azp is not an authorized party");
  });

  it("rejects a token without azp", async () => {
    const error = await rejection(await sign(validClaims()), strict);
    expect(error.message).toBe("session token rejected: azp is not an authorized party");
  });

  it("is not checked when the list is empty", async () => {
    const open = createTokenVerifier({
      keys: createLocalJWKSet({ keys: [publicJwk] }),
      issuer: ISSUER,
      algorithm: "ES256",
      authorizedParties: [],
    });
    await expect(
      open.verify(await sign(validClaims({ azp: "https://anything.example" }))),
    ).resolves.toMatchObject({ userId: "user_123" });
  });
});

describe("clerkIssuerFromPublishableKey", () => {
  const keyFor = (prefix: string, decoded: string) =>
    prefix + Buffer.from(decoded).toString("base64");

  it("decodes the Frontend API host from a test key", () => {
    expect(clerkIssuerFromPublishableKey(keyFor("pk_test_", "example.clerk.accounts.dev$"))).toBe(
      "https://example.clerk.accounts.dev",
    );
  });

  it("decodes the Frontend API host from a live key", () => {
    expect(clerkIssuerFromPublishableKey(keyFor("pk_live_", "clerk.warden.example$"))).toBe(
      "https://clerk.warden.example",
    );
  });

  it.each([
    ["garbage", "this is not a key"],
    ["an empty key", ""],
    ["a bare prefix", "pk_test_"],
    ["a host with a path", keyFor("pk_test_", "evil.example/steal$")],
    ["a host with credentials", keyFor("pk_test_", "user@evil.example$")],
  ])("throws on %s", (_name, key) => {
    expect(() => clerkIssuerFromPublishableKey(key)).toThrow(
      "CLERK_PUBLISHABLE_KEY is not a Clerk publishable key",
    );
  });
});
