import { createLocalJWKSet, createRemoteJWKSet } from "jose";
import { localJwks, LOCAL_ISSUER } from "./local-idp.server";
import { authMode } from "./mode.server";
import { createTokenVerifier, type TokenVerifier } from "./token.server";

/**
 * Clerk's issuer is its Frontend API origin, which the publishable key
 * encodes: `pk_test_` + base64("<frontend-api-host>$").
 */
export function clerkIssuerFromPublishableKey(publishableKey: string): string {
  const encoded = /^pk_(test|live)_(.+)$/.exec(publishableKey)?.[2];
  const decoded = encoded ? Buffer.from(encoded, "base64").toString("utf8") : "";
  const host = decoded.endsWith("$") ? decoded.slice(0, -1) : "";
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host)) throw new Error("CLERK_PUBLISHABLE_KEY is not a Clerk publishable key");
  return `https://${host}`;
}

let verifier: Promise<TokenVerifier> | undefined;

async function buildVerifier(env: NodeJS.ProcessEnv): Promise<TokenVerifier> {
  if (authMode(env) === "clerk") {
    const issuer = env.CLERK_JWT_ISSUER ?? clerkIssuerFromPublishableKey(env.CLERK_PUBLISHABLE_KEY!);
    const jwksUrl = new URL(env.CLERK_JWKS_URL ?? `${issuer}/.well-known/jwks.json`);
    const authorizedParties = env.CLERK_AUTHORIZED_PARTIES?.split(",").map((party) => party.trim()).filter(Boolean);
    return createTokenVerifier({ keys: createRemoteJWKSet(jwksUrl), issuer, authorizedParties });
  }
  return createTokenVerifier({ keys: createLocalJWKSet(await localJwks()), issuer: LOCAL_ISSUER });
}

/** The process-wide verifier for session tokens, Clerk's or the local provider's. */
export function tokenVerifier(): Promise<TokenVerifier> {
  verifier ??= buildVerifier(process.env);
  return verifier;
}
