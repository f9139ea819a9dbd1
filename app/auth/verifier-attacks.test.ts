import {
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTokenVerifier, TokenRejectedError, type TokenVerifier } from "./token.server";

/*
 * Attacks on the session-token verifier, each built so that only the check
 * under test stands between the token and an identity. Where a case first
 * verifies the same token with bare jose (no allow-list), that is the control:
 * it shows the refusal comes from the verifier's configuration and not from
 * some incidental flaw in how the token was made.
 */

const ISSUER = "https://example.clerk.accounts.dev";
const KID = "trusted-key";
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

// Record<string, unknown>: several cases put claims of the wrong type on purpose.
const claims = (extra: Record<string, unknown> = {}) =>
  ({ sub: "user_123", iss: ISSUER, iat: now(), exp: now() + 600, ...extra }) as JWTPayload;
function claimsWithout(name: string): JWTPayload {
  const payload = claims();
  delete payload[name];
  return payload;
}

function sign(
  alg: string,
  key: CryptoKey | Uint8Array,
  payload: JWTPayload = claims(),
  header: Partial<JWTHeaderParameters> = {},
) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg, kid: KID, typ: "JWT", ...header })
    .sign(key);
}

/** "accepted", or the reason the verifier gave; anything thrown but a TokenRejectedError fails the test. */
async function outcome(verifier: TokenVerifier, token: unknown): Promise<string> {
  try {
    await verifier.verify(token as string);
    return "accepted";
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRejectedError);
    return (error as TokenRejectedError).message.replace(/^session token rejected: /, "");
  }
}

/** The control: what jose alone makes of the token when no algorithm allow-list is passed. */
function withoutAllowList(token: string | Uint8Array, keys: JWTVerifyGetKey): Promise<string> {
  return jwtVerify(token, keys, { issuer: ISSUER }).then(
    () => "accepted",
    (error: { code?: string }) => error.code ?? String(error),
  );
}

interface TrustedKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function trustedKey(alg: "ES256" | "RS256"): Promise<TrustedKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  // With `alg` and `use`, as both the local provider and Clerk publish theirs.
  return {
    privateKey,
    publicKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid: KID, alg, use: "sig" },
  };
}

// Every asymmetric JWS algorithm jose implements that Node 20 can sign with,
// other than the two the verifier accepts.
const FOREIGN_ASYMMETRIC = [
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

describe.each([
  ["the local provider's ES256 key", "ES256", "RS256"],
  ["Clerk's RS256 key", "RS256", "ES256"],
] as const)("algorithms, trusting %s", (_name, trustedAlg, otherProvidersAlg) => {
  let trusted: TrustedKey;
  let keys: JWTVerifyGetKey;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    trusted = await trustedKey(trustedAlg);
    keys = createLocalJWKSet({ keys: [trusted.publicJwk] });
    verifier = createTokenVerifier({ keys, issuer: ISSUER, algorithm: trustedAlg });
  });

  // Without this, every refusal below could come from a broken fixture.
  it(`accepts ${trustedAlg} from the trusted key`, async () => {
    expect(await outcome(verifier, await sign(trustedAlg, trusted.privateKey))).toBe("accepted");
  });

  it.each(FOREIGN_ASYMMETRIC)(
    "refuses %s from an attacker's key published under the trusted kid",
    async (alg) => {
      const attacker = await generateKeyPair(alg, { extractable: true });
      // No `alg` on the attacker's entry: with one, jose's key selection would pass
      // the entry over for any other algorithm, and the point is that the
      // allow-list alone refuses the token.
      const poisoned = createLocalJWKSet({
        keys: [
          trusted.publicJwk,
          { ...(await exportJWK(attacker.publicKey)), kid: KID, use: "sig" },
        ],
      });
      const token = await sign(alg, attacker.privateKey);

      expect(await withoutAllowList(token, poisoned)).toBe("accepted");
      expect(
        await outcome(
          createTokenVerifier({ keys: poisoned, issuer: ISSUER, algorithm: trustedAlg }),
          token,
        ),
      ).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
    },
  );

  // jose implements ML-DSA but Node 20 cannot sign with it, so these tokens
  // carry a placeholder signature: they show only that the list refuses them.
  it.each(["ML-DSA-44", "ML-DSA-65", "ML-DSA-87"])("refuses %s (header only)", async (alg) => {
    const token = `${b64({ alg, typ: "JWT", kid: KID })}.${b64(claims())}.${Buffer.from("not a signature").toString("base64url")}`;
    expect(await outcome(verifier, token)).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
  });

  // The other provider's algorithm, from a key published under the trusted
  // kid: each verifier allows only its own provider's algorithm.
  it(`refuses ${otherProvidersAlg}, the other provider's algorithm, even from a published key`, async () => {
    const attacker = await generateKeyPair(otherProvidersAlg, { extractable: true });
    const poisoned = createLocalJWKSet({
      keys: [trusted.publicJwk, { ...(await exportJWK(attacker.publicKey)), kid: KID, use: "sig" }],
    });
    const token = await sign(otherProvidersAlg, attacker.privateKey);
    expect(await withoutAllowList(token, poisoned)).toBe("accepted");
    expect(
      await outcome(
        createTokenVerifier({ keys: poisoned, issuer: ISSUER, algorithm: trustedAlg }),
        token,
      ),
    ).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
  });

  describe("HMAC keyed with the trusted public key (key confusion)", () => {
    const secretForms: Record<string, (key: TrustedKey) => Promise<Uint8Array>> = {
      "SPKI DER bytes": async (key) =>
        Buffer.from(
          (await exportSPKI(key.publicKey)).replace(/-----[A-Z ]+-----|\s/g, ""),
          "base64",
        ),
      PEM: async (key) => Buffer.from(await exportSPKI(key.publicKey)),
      "JWK JSON": async (key) => Buffer.from(JSON.stringify(key.publicJwk)),
    };
    const cases = ["HS256", "HS384", "HS512"].flatMap((alg) =>
      Object.keys(secretForms).map((form) => [alg, form] as const),
    );

    it.each(cases)("refuses %s keyed with the %s", async (alg, form) => {
      const secret = await secretForms[form](trusted);
      const token = await sign(alg, secret);

      // The classic flaw is a key resolver that hands the published key material
      // to whatever algorithm the header names. jose's key sets never do (below),
      // but createTokenVerifier takes any resolver; with this one, the allow-list
      // is all that stands in the way.
      const naive: JWTVerifyGetKey = (header, jws) =>
        header.alg.startsWith("HS") ? secret : keys(header, jws);
      expect(await withoutAllowList(token, naive)).toBe("accepted");
      expect(
        await outcome(
          createTokenVerifier({ keys: naive, issuer: ISSUER, algorithm: trustedAlg }),
          token,
        ),
      ).toBe("ERR_JOSE_ALG_NOT_ALLOWED");

      // Through the real key set, bare jose would refuse at key selection (a JWKS
      // has no keys for symmetric algorithms); the allow-list is checked before
      // any key is asked for, so it answers first.
      expect(await withoutAllowList(token, keys)).toBe("ERR_JOSE_NOT_SUPPORTED");
      expect(await outcome(verifier, token)).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
    });
  });

  describe("unsecured and malformed algorithm headers", () => {
    // No key set can verify "none" in jose (it has no such algorithm), so bare
    // jose refuses it at key selection; with the allow-list it never gets there.
    // Case variants have slipped past string comparisons in other libraries.
    it.each(["none", "None", "NONE", "nOnE"])(
      "refuses alg %s with an empty signature",
      async (alg) => {
        const token = `${b64({ alg, typ: "JWT", kid: KID })}.${b64(claims())}.`;
        expect(await withoutAllowList(token, keys)).toBe("ERR_JOSE_NOT_SUPPORTED");
        expect(await outcome(verifier, token)).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
      },
    );

    it("refuses alg none carrying the trusted key's real signature", async () => {
      const [, payload, signature] = (await sign(trustedAlg, trusted.privateKey)).split(".");
      expect(
        await outcome(
          verifier,
          `${b64({ alg: "none", typ: "JWT", kid: KID })}.${payload}.${signature}`,
        ),
      ).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
    });

    // jose refuses these as malformed before it consults the allow-list.
    it.each([
      ["missing", {}],
      ["empty", { alg: "" }],
      ["not a string", { alg: null }],
    ])("refuses a header whose alg is %s as an invalid JWS", async (_what, alg) => {
      const [, payload, signature] = (await sign(trustedAlg, trusted.privateKey)).split(".");
      expect(
        await outcome(verifier, `${b64({ ...alg, typ: "JWT", kid: KID })}.${payload}.${signature}`),
      ).toBe("ERR_JWS_INVALID");
    });
  });

  // The key in the header is the attacker's own (CVE-2018-0114 in other
  // libraries); only the key set may say which key verifies.
  it(`ignores a key embedded in the header of an ${trustedAlg} token`, async () => {
    const attacker = await generateKeyPair(trustedAlg, { extractable: true });
    const token = await sign(trustedAlg, attacker.privateKey, claims(), {
      jwk: await exportJWK(attacker.publicKey),
    });
    expect(await outcome(verifier, token)).toBe("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  });
});

describe("claims", () => {
  // A frozen clock, so the tolerance edges are exact rather than racing the second hand.
  const NOW = 1_800_000_000;
  const APP = "https://app.example";
  const ADMIN = "https://admin.example";
  let trusted: TrustedKey;
  let verifier: TokenVerifier;
  let strict: TokenVerifier;

  beforeAll(async () => {
    trusted = await trustedKey("ES256");
    const keys = createLocalJWKSet({ keys: [trusted.publicJwk] });
    verifier = createTokenVerifier({ keys, issuer: ISSUER, algorithm: "ES256" });
    strict = createTokenVerifier({
      keys,
      issuer: ISSUER,
      algorithm: "ES256",
      authorizedParties: [APP, ADMIN],
    });
  });

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW * 1000);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const check = async (payload: JWTPayload, using: TokenVerifier = verifier) =>
    outcome(using, await sign("ES256", trusted.privateKey, payload));

  it.each([
    ["right", "accepted", claims],
    [
      "from another issuer",
      "ERR_JWT_CLAIM_VALIDATION_FAILED",
      () => claims({ iss: "https://evil.example" }),
    ],
    [
      "with a trailing slash",
      "ERR_JWT_CLAIM_VALIDATION_FAILED",
      () => claims({ iss: `${ISSUER}/` }),
    ],
    [
      "in another case",
      "ERR_JWT_CLAIM_VALIDATION_FAILED",
      () => claims({ iss: ISSUER.toUpperCase() }),
    ],
    [
      "an array holding the issuer",
      "ERR_JWT_CLAIM_VALIDATION_FAILED",
      () => claims({ iss: [ISSUER] }),
    ],
    ["absent", "ERR_JWT_CLAIM_VALIDATION_FAILED", () => claimsWithout("iss")],
  ])("iss %s: %s", async (_what, expected, payload) => {
    expect(await check(payload())).toBe(expected);
  });

  // The verifier allows 5 s of clock skew: jose refuses once exp <= now - 5.
  it.each([
    ["10 minutes ahead", "accepted", () => claims({ exp: NOW + 600 })],
    ["1 s ago, within tolerance", "accepted", () => claims({ exp: NOW - 1 })],
    ["4 s ago, the last second within tolerance", "accepted", () => claims({ exp: NOW - 4 })],
    [
      "5 s ago, the first second beyond tolerance",
      "ERR_JWT_EXPIRED",
      () => claims({ exp: NOW - 5 }),
    ],
    ["10 minutes ago", "ERR_JWT_EXPIRED", () => claims({ iat: NOW - 3600, exp: NOW - 600 })],
    [
      "a numeric string",
      "ERR_JWT_CLAIM_VALIDATION_FAILED",
      () => claims({ exp: String(NOW + 600) }),
    ],
    ["absent", "ERR_JWT_CLAIM_VALIDATION_FAILED", () => claimsWithout("exp")],
  ])("exp %s: %s", async (_what, expected, payload) => {
    expect(await check(payload())).toBe(expected);
  });

  // jose checks nbf only when present, against now + 5 s. Both issuers set it,
  // but the verifier does not require it, so a token without one is accepted.
  it.each([
    ["5 s ago", "accepted", () => claims({ nbf: NOW - 5 })],
    ["now", "accepted", () => claims({ nbf: NOW })],
    ["5 s ahead, the last second within tolerance", "accepted", () => claims({ nbf: NOW + 5 })],
    [
      "6 s ahead, beyond tolerance",
      "ERR_JWT_CLAIM_VALIDATION_FAILED",
      () => claims({ nbf: NOW + 6 }),
    ],
    ["an hour ahead", "ERR_JWT_CLAIM_VALIDATION_FAILED", () => claims({ nbf: NOW + 3600 })],
    ["a numeric string", "ERR_JWT_CLAIM_VALIDATION_FAILED", () => claims({ nbf: String(NOW - 5) })],
    ["absent", "accepted", claims],
  ])("nbf %s: %s", async (_what, expected, payload) => {
    expect(await check(payload())).toBe(expected);
  });

  // jose checks only that sub is present; its type is the verifier's own check.
  it.each([
    ["a non-empty string", "accepted", claims],
    ["a number", "sub must be a non-empty string", () => claims({ sub: 42 })],
    ["an empty string", "sub must be a non-empty string", () => claims({ sub: "" })],
    ["null", "sub must be a non-empty string", () => claims({ sub: null })],
    ["a boolean", "sub must be a non-empty string", () => claims({ sub: true })],
    ["an object", "sub must be a non-empty string", () => claims({ sub: { id: "user_123" } })],
    [
      "an array holding a user id",
      "sub must be a non-empty string",
      () => claims({ sub: ["user_123"] }),
    ],
    ["absent", "ERR_JWT_CLAIM_VALIDATION_FAILED", () => claimsWithout("sub")],
  ])("sub %s: %s", async (_what, expected, payload) => {
    expect(await check(payload())).toBe(expected);
  });

  it.each([
    ["the first authorized party", "accepted", () => claims({ azp: APP })],
    ["the second authorized party", "accepted", () => claims({ azp: ADMIN })],
    [
      "another origin",
      "azp is not an authorized party",
      () => claims({ azp: "https://evil.example" }),
    ],
    [
      "an authorized party with a trailing slash",
      "azp is not an authorized party",
      () => claims({ azp: `${APP}/` }),
    ],
    ["absent", "azp is not an authorized party", claims],
    [
      "an array holding an authorized party",
      "azp is not an authorized party",
      () => claims({ azp: [APP] }),
    ],
    [
      "an object whose string form fails",
      "azp is not an authorized party",
      () => claims({ azp: { toString: null } }),
    ],
  ])("azp with an allow-list configured, %s: %s", async (_what, expected, payload) => {
    expect(await check(payload(), strict)).toBe(expected);
  });

  // The local provider configures no list; its tokens must not need one.
  it("azp is not consulted when no allow-list is configured", async () => {
    expect(await check(claims({ azp: "https://anything.example" }))).toBe("accepted");
    expect(await check(claims())).toBe("accepted");
  });
});

describe("token input", () => {
  let keys: JWTVerifyGetKey;
  let verifier: TokenVerifier;
  let valid: string;

  beforeAll(async () => {
    const trusted = await trustedKey("ES256");
    keys = createLocalJWKSet({ keys: [trusted.publicJwk] });
    verifier = createTokenVerifier({ keys, issuer: ISSUER, algorithm: "ES256" });
    valid = await sign("ES256", trusted.privateKey);
  });

  it("refuses an empty string before jose sees it", async () => {
    expect(await outcome(verifier, "")).toBe("missing");
  });

  // jose verifies a token given as bytes; the verifier's contract is strings only.
  it("refuses a valid token given as bytes", async () => {
    const bytes = Buffer.from(valid);
    expect(await withoutAllowList(bytes, keys)).toBe("accepted");
    expect(await outcome(verifier, bytes)).toBe("missing");
  });
});
