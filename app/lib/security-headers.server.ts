import { randomBytes } from "node:crypto";
import { config, isLoopbackHost } from "../config.server";

/** The origin the app is served at: configured in production, the request's own in the embedded default. */
export function appOrigin(request: Request): string {
  return config().origin ?? new URL(request.url).origin;
}

/** Cookies are `Secure` unless the app is plainly served over HTTP on loopback. */
export function secureCookies(request: Request): boolean {
  const origin = new URL(appOrigin(request));
  return origin.protocol === "https:" || !isLoopbackHost(origin.hostname);
}

export const newNonce = () => randomBytes(18).toString("base64");

/** Clerk's Frontend API loads its script and calls home; Turnstile guards its sign-up. */
function clerkSources(): {
  script: string[];
  connect: string[];
  img: string[];
  frame: string[];
  style: string[];
} {
  const { identity } = config();
  if (identity.provider !== "clerk")
    return { script: [], connect: [], img: [], frame: [], style: [] };
  const frontendApi = new URL(identity.issuer).origin;
  const turnstile = "https://challenges.cloudflare.com";
  return {
    script: [frontendApi, turnstile],
    connect: [frontendApi],
    img: ["https://img.clerk.com"],
    frame: [turnstile],
    style: ["'unsafe-inline'"],
  };
}

/**
 * Only scripts carrying this response's nonce run, and what they load
 * (`strict-dynamic`): no inline handlers, no injected script tags. Nothing
 * may frame the app, and forms post only to it.
 */
export function contentSecurityPolicy(nonce: string): string {
  const clerk = clerkSources();
  const directives: [string, string[]][] = [
    ["default-src", ["'self'"]],
    ["script-src", [`'nonce-${nonce}'`, "'strict-dynamic'", ...clerk.script]],
    ["style-src", ["'self'", ...clerk.style]],
    ["img-src", ["'self'", "data:", ...clerk.img]],
    ["connect-src", ["'self'", ...clerk.connect]],
    ["worker-src", ["'self'", "blob:"]],
    ["frame-src", clerk.frame.length ? clerk.frame : ["'none'"]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'none'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(" ")}`).join("; ");
}

/**
 * Headers every page and data response carries. Everything the app renders
 * depends on who asks, so nothing may be stored by a browser or a proxy.
 */
export function applySecurityHeaders(headers: Headers, request: Request, nonce?: string) {
  if (nonce) headers.set("Content-Security-Policy", contentSecurityPolicy(nonce));
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Referrer-Policy", "same-origin");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cache-Control", "private, no-store");
  if (new URL(appOrigin(request)).protocol === "https:")
    headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}
