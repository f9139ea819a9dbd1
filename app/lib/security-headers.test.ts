import { afterEach, describe, expect, it } from "vitest";
import { reloadConfig } from "../config.server";
import { applySecurityHeaders, contentSecurityPolicy, newNonce } from "./security-headers.server";

afterEach(() => {
  delete process.env.WARDEN_ORIGIN;
  reloadConfig();
});

const headersFor = (url: string, nonce?: string) => {
  const headers = new Headers();
  applySecurityHeaders(headers, new Request(url), nonce);
  return headers;
};

describe("security headers", () => {
  it("pages get a nonce-based CSP that forbids framing, plus the usual hardening", () => {
    const nonce = newNonce();
    const headers = headersFor("http://127.0.0.1:3000/todos", nonce);
    const csp = headers.get("Content-Security-Policy")!;
    expect(csp).toContain(`script-src 'nonce-${nonce}' 'strict-dynamic'`);
    expect(csp).not.toContain("unsafe-inline' 'nonce");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(headers.get("Referrer-Policy")).toBe("same-origin");
    expect(headers.get("X-Frame-Options")).toBe("DENY");
    expect(headers.get("Cache-Control")).toBe("private, no-store");
  });

  it("data responses get no CSP but the same cache and sniffing rules", () => {
    const headers = headersFor("http://127.0.0.1:3000/todos.data?_routes=routes%2Ftodos");
    expect(headers.get("Content-Security-Policy")).toBeNull();
    expect(headers.get("Cache-Control")).toBe("private, no-store");
    expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("every response gets its own nonce", () => {
    expect(newNonce()).not.toBe(newNonce());
    expect(newNonce()).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });

  it("HSTS only when served over https", () => {
    expect(headersFor("http://127.0.0.1:3000/todos").get("Strict-Transport-Security")).toBeNull();
    process.env.WARDEN_ORIGIN = "https://warden.example";
    reloadConfig();
    expect(headersFor("http://10.0.0.5:3000/todos").get("Strict-Transport-Security")).toBe(
      "max-age=31536000; includeSubDomains",
    );
  });

  it("Clerk mode allows Clerk's Frontend API, and nothing else extra", () => {
    process.env.CLERK_PUBLISHABLE_KEY = `pk_test_${Buffer.from("example.clerk.accounts.dev$").toString("base64")}`;
    process.env.CLERK_SECRET_KEY = "sk_test_x";
    try {
      reloadConfig();
      const csp = contentSecurityPolicy("n");
      expect(csp).toContain("connect-src 'self' https://example.clerk.accounts.dev");
      expect(csp).toContain(
        "script-src 'nonce-n' 'strict-dynamic' https://example.clerk.accounts.dev https://challenges.cloudflare.com",
      );
    } finally {
      delete process.env.CLERK_PUBLISHABLE_KEY;
      delete process.env.CLERK_SECRET_KEY;
    }
  });
});
