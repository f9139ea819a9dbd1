import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { identityFromClaims, type Identity } from "../../roles/identity";

/** A token that failed verification. The web layer answers 401; no connection was touched. */
export class TokenRejectedError extends Error {
  readonly status = 401;
  constructor(reason: string) {
    super(`session token rejected: ${reason}`);
    this.name = "TokenRejectedError";
  }
}

export type { Identity };

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

/**
 * Each identity provider signs with exactly one algorithm: the local provider
 * with ES256, Clerk with RS256. A verifier accepts only its provider's, so no
 * token is ever checked under an algorithm its issuer does not use.
 */
type SigningAlgorithm = "ES256" | "RS256";

export function createTokenVerifier(options: {
  keys: JWTVerifyGetKey;
  issuer: string;
  algorithm: SigningAlgorithm;
  authorizedParties?: readonly string[];
}): TokenVerifier {
  return {
    async verify(token) {
      if (typeof token !== "string" || token.length === 0) throw new TokenRejectedError("missing");
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.keys, {
          issuer: options.issuer,
          algorithms: [options.algorithm],
          requiredClaims: ["exp", "sub"],
          clockTolerance: 5,
        }));
      } catch (error) {
        const reason = error instanceof errors.JOSEError ? error.code : "malformed";
        throw new TokenRejectedError(reason);
      }
      if (typeof payload.sub !== "string" || payload.sub.length === 0)
        throw new TokenRejectedError("sub must be a non-empty string");
      if (
        options.authorizedParties?.length &&
        !(typeof payload.azp === "string" && options.authorizedParties.includes(payload.azp))
      ) {
        throw new TokenRejectedError("azp is not an authorized party");
      }
      return identityFromClaims(payload as Identity["claims"]);
    },
  };
}
