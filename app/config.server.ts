import { CLAIM_MINUTES_DEFAULT, CLAIM_MINUTES_MAX } from "../db/limits";
import { localDataDir } from "../db/local/data-dir";
import { BACKEND_ROLE_NAMES, connectionEnvFor, DIRECTORY_URL_ENV } from "../roles/roles";

/**
 * The one configuration, read from the environment once at boot and checked
 * as a whole. It decides the mode explicitly, and refuses to start with a
 * single message listing everything missing or contradictory, so a
 * half-configured production never falls back to demo sign-in or local data.
 *
 * - embedded: no database variables of the operator's own (the embedded
 *   Postgres, started by the serve script, is recognised by its loopback
 *   proxy) and NODE_ENV is not production. The local identity provider signs
 *   people in, unless both Clerk keys are set.
 * - production: any DATABASE_* of the operator's own, or NODE_ENV=production.
 *   Needs the three role URLs, both Clerk keys, a session secret and the
 *   public origin. The local identity provider only runs behind the explicit
 *   WARDEN_DEMO_SIGN_IN=1 opt-in, which warns at every start and on every page.
 */

type Mode = "embedded" | "production";
type Env = Readonly<Record<string, string | undefined>>;

interface ClerkIdentityConfig {
  provider: "clerk";
  publishableKey: string;
  secretKey: string;
  issuer: string;
  jwksUrl: string;
  authorizedParties: string[];
}

interface LocalIdentityConfig {
  provider: "local";
  /** True only in production behind WARDEN_DEMO_SIGN_IN=1: every page says so. */
  demoOptIn: boolean;
}

export interface Config {
  mode: Mode;
  identity: ClerkIdentityConfig | LocalIdentityConfig;
  /** Signs the session and flash cookies. `null` in the embedded default: a secret made on first run under the data directory. */
  sessionSecret: string | null;
  /** The public origin (`https://warden.example`). `null` in the embedded default: each request's own origin. */
  origin: string | null;
  dataDir: string;
  poolMax: number;
  /**
   * Verifies Clerk's webhook (Svix signatures). `null` with Clerk or in
   * production: the webhook answers 503. `null` in the embedded default: a
   * local test secret made under the data directory.
   */
  webhookSecret: string | null;
  /** Whether the directory's writer has a connection string; the webhook answers 503 without one. */
  directoryWriter: boolean;
  /** How long a claim on a review queue item lasts, in minutes. */
  claimMinutes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly mode: Mode,
    readonly problems: string[],
  ) {
    super(
      [
        `Warden cannot start: the ${mode} configuration is incomplete or contradictory.`,
        ...problems.map((problem) => `  - ${problem}`),
        "See .env.example for every variable.",
      ].join("\n"),
    );
    this.name = "ConfigError";
  }
}

const ROLE_URL_ENV = BACKEND_ROLE_NAMES.map(connectionEnvFor);
const DATABASE_ENV = ["DATABASE_URL", ...ROLE_URL_ENV, DIRECTORY_URL_ENV];
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const SESSION_SECRET_MIN_LENGTH = 32;

export const isLoopbackHost = (hostname: string) => LOOPBACK_HOSTS.has(hostname);

const present = (env: Env, name: string) => (env[name] ?? "").trim() !== "";

/**
 * Clerk's issuer is its Frontend API origin, which the publishable key
 * encodes: `pk_test_` + base64("<frontend-api-host>$").
 */
export function clerkIssuerFromPublishableKey(publishableKey: string): string {
  const encoded = /^pk_(test|live)_(.+)$/.exec(publishableKey)?.[2];
  const decoded = encoded ? Buffer.from(encoded, "base64").toString("utf8") : "";
  const host = decoded.endsWith("$") ? decoded.slice(0, -1) : "";
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host))
    throw new Error("CLERK_PUBLISHABLE_KEY is not a Clerk publishable key");
  return `https://${host}`;
}

function databaseUrlHost(value: string): string | null {
  try {
    return new URL(value).hostname;
  } catch {
    return null;
  }
}

/** The embedded stack sets its proxy address and loopback URLs; an operator's Neon URLs never pass for it. */
function usesEmbeddedStack(env: Env): boolean {
  if (!present(env, "WARDEN_LOCAL_WS_PROXY")) return false;
  return DATABASE_ENV.filter((name) => present(env, name)).every((name) => {
    const host = databaseUrlHost(env[name]!);
    return host !== null && isLoopbackHost(host);
  });
}

function parseFlag(env: Env, name: string, problems: string[]): boolean {
  const value = (env[name] ?? "").trim().toLowerCase();
  if (value === "" || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  problems.push(`${name} must be 1 or 0 (got "${env[name]}")`);
  return false;
}

function parseOrigin(value: string, problems: string[], requireHttps: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(
      `WARDEN_ORIGIN must be an origin such as https://warden.example (got "${value}")`,
    );
    return null;
  }
  if (
    !["http:", "https:"].includes(url.protocol) ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== "/" && url.pathname !== "")
  ) {
    problems.push(
      `WARDEN_ORIGIN must be a bare origin with no path, query or credentials, such as https://warden.example (got "${value}")`,
    );
    return null;
  }
  if (requireHttps && url.protocol !== "https:" && !isLoopbackHost(url.hostname)) {
    problems.push(`WARDEN_ORIGIN must use https outside loopback (got "${value}")`);
    return null;
  }
  return url.origin;
}

function parseClerk(env: Env, problems: string[]): ClerkIdentityConfig | null {
  const missing = ["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"].filter(
    (name) => !present(env, name),
  );
  for (const name of missing) problems.push(`${name} is missing: Clerk mode needs both Clerk keys`);
  if (missing.length > 0) return null;
  const publishableKey = env.CLERK_PUBLISHABLE_KEY!.trim();
  let issuer = env.CLERK_JWT_ISSUER?.trim();
  if (!issuer) {
    try {
      issuer = clerkIssuerFromPublishableKey(publishableKey);
    } catch (error) {
      problems.push(`${(error as Error).message}; set CLERK_JWT_ISSUER if you use a custom domain`);
      return null;
    }
  }
  const jwksUrl = env.CLERK_JWKS_URL?.trim() || `${issuer}/.well-known/jwks.json`;
  try {
    new URL(jwksUrl);
  } catch {
    problems.push(`CLERK_JWKS_URL must be a URL (got "${jwksUrl}")`);
    return null;
  }
  const authorizedParties = (env.CLERK_AUTHORIZED_PARTIES ?? "")
    .split(",")
    .map((party) => party.trim())
    .filter(Boolean);
  return {
    provider: "clerk",
    publishableKey,
    secretKey: env.CLERK_SECRET_KEY!.trim(),
    issuer,
    jwksUrl,
    authorizedParties,
  };
}

function parseWholeNumber(
  env: Env,
  name: string,
  range: { min: number; max: number; fallback: number },
  problems: string[],
): number {
  const raw = env[name]?.trim();
  if (!raw) return range.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    problems.push(
      `${name} must be a whole number from ${range.min} to ${range.max} (got "${raw}")`,
    );
    return range.fallback;
  }
  return value;
}

function checkRoleUrls(env: Env, problems: string[]) {
  for (const name of [...ROLE_URL_ENV, DIRECTORY_URL_ENV]) {
    if (!present(env, name)) {
      if (name !== DIRECTORY_URL_ENV)
        problems.push(
          `${name} is missing: production serves through the three role connection strings`,
        );
      continue;
    }
    let url: URL | null = null;
    try {
      url = new URL(env[name]!);
    } catch {
      url = null;
    }
    if (!url || !["postgres:", "postgresql:"].includes(url.protocol) || !url.password) {
      problems.push(`${name} must be a postgresql:// URL with the role's password`);
    }
  }
}

function checkSessionSecret(env: Env, problems: string[], required: boolean): string | null {
  const secret = env.WARDEN_SESSION_SECRET?.trim();
  if (!secret) {
    if (required)
      problems.push(
        `WARDEN_SESSION_SECRET is missing: it signs cookies (at least ${SESSION_SECRET_MIN_LENGTH} random characters)`,
      );
    return null;
  }
  if (secret.length < SESSION_SECRET_MIN_LENGTH) {
    problems.push(
      `WARDEN_SESSION_SECRET is too short: use at least ${SESSION_SECRET_MIN_LENGTH} random characters`,
    );
    return null;
  }
  return secret;
}

/** Svix signing secrets are `whsec_` and the base64 of the key. */
function parseWebhookSecret(env: Env, problems: string[]): string | null {
  const secret = env.CLERK_WEBHOOK_SIGNING_SECRET?.trim();
  if (!secret) return null;
  const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret)?.[1];
  if (!key || Buffer.from(key, "base64").byteLength < 16) {
    problems.push(
      "CLERK_WEBHOOK_SIGNING_SECRET must be the endpoint's signing secret from Clerk's dashboard (whsec_…)",
    );
    return null;
  }
  if (!present(env, DIRECTORY_URL_ENV))
    problems.push(
      `CLERK_WEBHOOK_SIGNING_SECRET is set but ${DIRECTORY_URL_ENV} is missing: the webhook writes through the directory's own role`,
    );
  return secret;
}

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const embeddedStack = usesEmbeddedStack(env);
  const operatorDatabase = !embeddedStack && DATABASE_ENV.some((name) => present(env, name));
  const mode: Mode =
    operatorDatabase || (env.NODE_ENV === "production" && !embeddedStack)
      ? "production"
      : "embedded";
  const clerkRequested = present(env, "CLERK_PUBLISHABLE_KEY") || present(env, "CLERK_SECRET_KEY");
  const demoOptIn = parseFlag(env, "WARDEN_DEMO_SIGN_IN", problems);
  const poolMax = parseWholeNumber(
    env,
    "WARDEN_POOL_MAX",
    { min: 1, max: 1000, fallback: 10 },
    problems,
  );
  // How long a request waits for a database that is not answering (a Neon compute starting again) before a 503.
  parseWholeNumber(env, "WARDEN_DB_WAIT_MS", { min: 0, max: 120_000, fallback: 10_000 }, problems);
  const claimMinutes = parseWholeNumber(
    env,
    "WARDEN_CLAIM_MINUTES",
    { min: 1, max: CLAIM_MINUTES_MAX, fallback: CLAIM_MINUTES_DEFAULT },
    problems,
  );
  const dataDir = localDataDir(env);

  let identity: Config["identity"] | null;
  let sessionSecret: string | null;
  let origin: string | null = null;

  if (mode === "production") {
    if (!embeddedStack) checkRoleUrls(env, problems);
    if (demoOptIn && clerkRequested) {
      problems.push(
        "WARDEN_DEMO_SIGN_IN=1 contradicts the Clerk keys: choose Clerk or the demo sign-in, not both",
      );
      identity = null;
    } else if (demoOptIn) {
      identity = { provider: "local", demoOptIn: true };
    } else {
      identity = parseClerk(env, problems);
    }
    sessionSecret = checkSessionSecret(env, problems, true);
    if (present(env, "WARDEN_ORIGIN"))
      origin = parseOrigin(env.WARDEN_ORIGIN!.trim(), problems, true);
    else
      problems.push(
        "WARDEN_ORIGIN is missing: the public origin, e.g. https://warden.example (state-changing requests must come from it)",
      );
  } else {
    identity = clerkRequested ? parseClerk(env, problems) : { provider: "local", demoOptIn: false };
    sessionSecret = checkSessionSecret(env, problems, false);
    if (present(env, "WARDEN_ORIGIN"))
      origin = parseOrigin(env.WARDEN_ORIGIN!.trim(), problems, false);
  }

  const webhookSecret = parseWebhookSecret(env, problems);

  if (problems.length > 0 || !identity) throw new ConfigError(mode, problems);
  return {
    mode,
    identity,
    sessionSecret,
    origin,
    dataDir,
    poolMax,
    webhookSecret,
    directoryWriter: present(env, DIRECTORY_URL_ENV),
    claimMinutes,
  };
}

let loaded: Config | undefined;

/** The process's configuration, read once. */
export function config(): Config {
  loaded ??= loadConfig(process.env);
  return loaded;
}

/** Reads the environment again: for tests that change it between cases. */
export function reloadConfig(): Config {
  loaded = undefined;
  return config();
}

export const authMode = (): "clerk" | "local" => config().identity.provider;
