import { createLocalJWKSet, createRemoteJWKSet } from "jose";
import { config } from "../config.server";
import { localJwks, LOCAL_ISSUER } from "./local-idp.server";
import { createTokenVerifier, type TokenVerifier } from "./token.server";

let verifier: Promise<TokenVerifier> | undefined;
let builtFor: unknown;

async function buildVerifier(): Promise<TokenVerifier> {
  const { identity } = config();
  if (identity.provider === "clerk") {
    return createTokenVerifier({
      keys: createRemoteJWKSet(new URL(identity.jwksUrl)),
      issuer: identity.issuer,
      algorithm: "RS256",
      authorizedParties: identity.authorizedParties,
    });
  }
  return createTokenVerifier({
    keys: createLocalJWKSet(await localJwks()),
    issuer: LOCAL_ISSUER,
    algorithm: "ES256",
  });
}

/** The process-wide verifier for session tokens, Clerk's or the local provider's. */
export function tokenVerifier(): Promise<TokenVerifier> {
  // Rebuilt only when the configuration is reloaded (tests switching modes).
  if (builtFor !== config()) {
    builtFor = config();
    verifier = buildVerifier();
  }
  return verifier!;
}
