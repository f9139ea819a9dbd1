import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { backendRoleForClaims, orgRoleFromClaims, type BackendRole, type ClerkOrgRole } from "../../roles/roles";

/** A token that failed verification. The web layer answers 401; no connection was touched. */
export class TokenRejectedError extends Error {
  readonly status = 401;
  constructor(reason: string) {
    super(`session token rejected: ${reason}`);
    this.name = "TokenRejectedError";
  }
}

export interface Identity {
  userId: string;
  orgRole: ClerkOrgRole | null;
  backendRole: BackendRole;
  claims: JWTPayload & { sub: string };
}

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

export const ACCEPTED_ALGORITHMS = ["ES256", "RS256"];

export function createTokenVerifier(options: { keys: JWTVerifyGetKey; issuer: string; authorizedParties?: readonly string[] }): TokenVerifier {
  return {
    async verify(token) {
      if (typeof token !== "string" || token.length === 0) throw new TokenRejectedError("missing");
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.keys, {
          issuer: options.issuer,
          algorithms: ACCEPTED_ALGORITHMS,
          requiredClaims: ["exp", "sub"],
          clockTolerance: 5,
        }));
      } catch (error) {
        const reason = error instanceof errors.JOSEError ? error.code : "malformed";
        throw new TokenRejectedError(reason);
      }
      if (typeof payload.sub !== "string" || payload.sub.length === 0) throw new TokenRejectedError("sub must be a non-empty string");
      if (options.authorizedParties?.length && !options.authorizedParties.includes(String(payload.azp))) {
        throw new TokenRejectedError("azp is not an authorized party");
      }
      const claims = payload as Identity["claims"];
      return { userId: claims.sub, orgRole: orgRoleFromClaims(claims), backendRole: backendRoleForClaims(claims), claims };
    },
  };
}
