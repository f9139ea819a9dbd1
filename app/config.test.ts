import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Config } from "./config.server";

const PUBLISHABLE = `pk_live_${Buffer.from("clerk.warden.example$").toString("base64")}`;
const SECRET = "sk_live_secret";
const SESSION_SECRET = "s".repeat(40);
const neon = (role: string) =>
  `postgresql://${role}:pw@ep-x-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require`;
const ROLE_URLS = {
  DATABASE_AUTHENTICATED_URL: neon("authenticated_backend"),
  DATABASE_MODERATOR_URL: neon("moderator_backend"),
  DATABASE_ADMIN_URL: neon("admin_backend"),
};
const PRODUCTION = {
  ...ROLE_URLS,
  CLERK_PUBLISHABLE_KEY: PUBLISHABLE,
  CLERK_SECRET_KEY: SECRET,
  WARDEN_SESSION_SECRET: SESSION_SECRET,
  WARDEN_ORIGIN: "https://warden.example",
};
// What the embedded stack puts into the app's environment.
const local = (role: string) => `postgresql://${role}:pw@127.0.0.1:54321/warden`;
const EMBEDDED_STACK = {
  WARDEN_LOCAL_WS_PROXY: "ws://127.0.0.1:54322",
  DATABASE_URL: local("postgres"),
  DATABASE_AUTHENTICATED_URL: local("authenticated_backend"),
  DATABASE_MODERATOR_URL: local("moderator_backend"),
  DATABASE_ADMIN_URL: local("admin_backend"),
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("the configuration was accepted");
}

const names = (list: string[]) => list.map((problem) => problem.split(" ")[0]);

describe("the embedded default", () => {
  it.each([
    ["nothing set", {}],
    ["NODE_ENV=development", { NODE_ENV: "development" }],
    ["the embedded stack's own variables", EMBEDDED_STACK],
    [
      "the embedded stack under the app server's default NODE_ENV=production",
      { ...EMBEDDED_STACK, NODE_ENV: "production" },
    ],
  ])("%s: embedded, local identity provider", (_name, env) => {
    const config = loadConfig(env);
    expect(config).toMatchObject<Partial<Config>>({
      mode: "embedded",
      identity: { provider: "local", demoOptIn: false },
      sessionSecret: null,
      origin: null,
    });
  });

  it("both Clerk keys switch identity to Clerk (development against Clerk's dev instance)", () => {
    const config = loadConfig({ CLERK_PUBLISHABLE_KEY: PUBLISHABLE, CLERK_SECRET_KEY: SECRET });
    expect(config.mode).toBe("embedded");
    expect(config.identity).toEqual({
      provider: "clerk",
      publishableKey: PUBLISHABLE,
      secretKey: SECRET,
      issuer: "https://clerk.warden.example",
      jwksUrl: "https://clerk.warden.example/.well-known/jwks.json",
      authorizedParties: [],
    });
  });

  it.each([
    ["only the publishable key", { CLERK_PUBLISHABLE_KEY: PUBLISHABLE }, ["CLERK_SECRET_KEY"]],
    ["only the secret key", { CLERK_SECRET_KEY: SECRET }, ["CLERK_PUBLISHABLE_KEY"]],
  ])("%s never falls back to the local provider", (_name, env, missing) => {
    expect(names(problems(env))).toEqual(missing);
  });

  it("takes a session secret and origin when given, and checks them", () => {
    expect(
      loadConfig({ WARDEN_SESSION_SECRET: SESSION_SECRET, WARDEN_ORIGIN: "http://127.0.0.1:3000" }),
    ).toMatchObject({ sessionSecret: SESSION_SECRET, origin: "http://127.0.0.1:3000" });
    expect(names(problems({ WARDEN_SESSION_SECRET: "short" }))).toEqual(["WARDEN_SESSION_SECRET"]);
  });
});

describe("production", () => {
  it("with everything set: Clerk, the public origin, the session secret", () => {
    const config = loadConfig({
      ...PRODUCTION,
      NODE_ENV: "production",
      CLERK_AUTHORIZED_PARTIES: "https://warden.example, https://admin.warden.example",
    });
    expect(config).toMatchObject({
      mode: "production",
      sessionSecret: SESSION_SECRET,
      origin: "https://warden.example",
      poolMax: 10,
      claimMinutes: 15,
    });
    expect(config.identity).toMatchObject({
      provider: "clerk",
      authorizedParties: ["https://warden.example", "https://admin.warden.example"],
    });
  });

  it("any DATABASE_* of the operator's own means production, whatever NODE_ENV says", () => {
    expect(loadConfig({ ...PRODUCTION, NODE_ENV: "development" }).mode).toBe("production");
    expect(problems({ DATABASE_URL: neon("neondb_owner"), NODE_ENV: "development" })).toHaveLength(
      7,
    );
  });

  it("the reported attack: role URLs and the publishable key alone do not start, let alone sign anyone in", () => {
    const env = { ...ROLE_URLS, CLERK_PUBLISHABLE_KEY: PUBLISHABLE, NODE_ENV: "production" };
    expect(names(problems(env))).toEqual([
      "CLERK_SECRET_KEY",
      "WARDEN_SESSION_SECRET",
      "WARDEN_ORIGIN",
    ]);
  });

  it("NODE_ENV=production with nothing else lists everything at once", () => {
    expect(names(problems({ NODE_ENV: "production" }))).toEqual([
      "DATABASE_AUTHENTICATED_URL",
      "DATABASE_MODERATOR_URL",
      "DATABASE_ADMIN_URL",
      "CLERK_PUBLISHABLE_KEY",
      "CLERK_SECRET_KEY",
      "WARDEN_SESSION_SECRET",
      "WARDEN_ORIGIN",
    ]);
  });

  it.each(Object.keys(PRODUCTION))("without %s it refuses to start and names it", (name) => {
    const env: Record<string, string | undefined> = { ...PRODUCTION, NODE_ENV: "production" };
    delete env[name];
    expect(names(problems(env))).toEqual([name]);
  });

  it("an embedded-stack marker does not turn Neon URLs into the embedded default", () => {
    const config = loadConfig({ ...PRODUCTION, WARDEN_LOCAL_WS_PROXY: "ws://127.0.0.1:1" });
    expect(config.mode).toBe("production");
    expect(names(problems({ ...ROLE_URLS, WARDEN_LOCAL_WS_PROXY: "ws://127.0.0.1:1" }))).toContain(
      "CLERK_SECRET_KEY",
    );
  });

  it.each([
    [
      "a role URL that is not a Postgres URL",
      { DATABASE_ADMIN_URL: "https://example.com" },
      "DATABASE_ADMIN_URL",
    ],
    [
      "a role URL without a password",
      { DATABASE_MODERATOR_URL: "postgresql://moderator_backend@host/db" },
      "DATABASE_MODERATOR_URL",
    ],
    ["an origin over plain http", { WARDEN_ORIGIN: "http://warden.example" }, "WARDEN_ORIGIN"],
    ["an origin with a path", { WARDEN_ORIGIN: "https://warden.example/app" }, "WARDEN_ORIGIN"],
    ["an origin that is not a URL", { WARDEN_ORIGIN: "warden.example" }, "WARDEN_ORIGIN"],
    [
      "a publishable key that is not one",
      { CLERK_PUBLISHABLE_KEY: "pk_live_garbage" },
      "CLERK_PUBLISHABLE_KEY",
    ],
    [
      "a short session secret",
      { WARDEN_SESSION_SECRET: "not-long-enough" },
      "WARDEN_SESSION_SECRET",
    ],
    ["a pool size of zero", { WARDEN_POOL_MAX: "0" }, "WARDEN_POOL_MAX"],
    ["a pool size that is not a number", { WARDEN_POOL_MAX: "many" }, "WARDEN_POOL_MAX"],
    [
      "a demo flag that is neither 1 nor 0",
      { WARDEN_DEMO_SIGN_IN: "yes please" },
      "WARDEN_DEMO_SIGN_IN",
    ],
    ["a claim of zero minutes", { WARDEN_CLAIM_MINUTES: "0" }, "WARDEN_CLAIM_MINUTES"],
    ["a claim longer than a day", { WARDEN_CLAIM_MINUTES: "1441" }, "WARDEN_CLAIM_MINUTES"],
    [
      "a claim time that is not a whole number",
      { WARDEN_CLAIM_MINUTES: "7.5" },
      "WARDEN_CLAIM_MINUTES",
    ],
  ])("refuses %s", (_name, override, name) => {
    expect(names(problems({ ...PRODUCTION, NODE_ENV: "production", ...override }))).toEqual([name]);
  });

  it("takes how long a claim lasts, from one minute to a day", () => {
    expect(loadConfig({ ...PRODUCTION, WARDEN_CLAIM_MINUTES: "1" }).claimMinutes).toBe(1);
    expect(loadConfig({ ...PRODUCTION, WARDEN_CLAIM_MINUTES: "1440" }).claimMinutes).toBe(1440);
  });

  it("plain http is accepted for a loopback origin (a production build tried locally)", () => {
    expect(loadConfig({ ...PRODUCTION, WARDEN_ORIGIN: "http://127.0.0.1:3000" }).origin).toBe(
      "http://127.0.0.1:3000",
    );
  });

  it("a custom Clerk domain needs no decodable key when the issuer is given", () => {
    const config = loadConfig({
      ...PRODUCTION,
      CLERK_PUBLISHABLE_KEY: "pk_live_garbage",
      CLERK_JWT_ISSUER: "https://clerk.custom.example",
    });
    expect(config.identity).toMatchObject({
      issuer: "https://clerk.custom.example",
      jwksUrl: "https://clerk.custom.example/.well-known/jwks.json",
    });
  });
});

describe("the Clerk webhook", () => {
  const WEBHOOK_SECRET = `whsec_${Buffer.alloc(24, 7).toString("base64")}`;
  const DIRECTORY_URL = neon("directory_backend");

  it("is off without a signing secret: the endpoint answers 503, the app starts", () => {
    expect(loadConfig({ ...PRODUCTION, NODE_ENV: "production" })).toMatchObject({
      webhookSecret: null,
      directoryWriter: false,
    });
  });

  it("takes the signing secret together with the directory's own connection string", () => {
    const config = loadConfig({
      ...PRODUCTION,
      NODE_ENV: "production",
      CLERK_WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
      DATABASE_DIRECTORY_URL: DIRECTORY_URL,
    });
    expect(config).toMatchObject({ webhookSecret: WEBHOOK_SECRET, directoryWriter: true });
  });

  it("refuses a secret without the directory's role, and a secret that is not one", () => {
    expect(
      names(problems({ ...PRODUCTION, CLERK_WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET })),
    ).toEqual(["CLERK_WEBHOOK_SIGNING_SECRET"]);
    expect(problems({ ...PRODUCTION, CLERK_WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET })[0]).toMatch(
      /DATABASE_DIRECTORY_URL is missing/,
    );
    for (const secret of ["sk_live_secret", "whsec_", "whsec_c2hvcnQ=", "whsec_not base64!"]) {
      expect(
        names(
          problems({
            ...PRODUCTION,
            CLERK_WEBHOOK_SIGNING_SECRET: secret,
            DATABASE_DIRECTORY_URL: DIRECTORY_URL,
          }),
        ),
      ).toEqual(["CLERK_WEBHOOK_SIGNING_SECRET"]);
    }
  });

  it("checks the directory's connection string like the role URLs", () => {
    expect(
      names(
        problems({
          ...PRODUCTION,
          DATABASE_DIRECTORY_URL: "postgresql://directory_backend@host/db",
        }),
      ),
    ).toEqual(["DATABASE_DIRECTORY_URL"]);
  });
});

describe("the demo sign-in opt-in", () => {
  const { CLERK_PUBLISHABLE_KEY: _p, CLERK_SECRET_KEY: _s, ...withoutClerk } = PRODUCTION;

  it("is off unless asked for, even in production without Clerk keys", () => {
    expect(names(problems({ ...withoutClerk, NODE_ENV: "production" }))).toEqual([
      "CLERK_PUBLISHABLE_KEY",
      "CLERK_SECRET_KEY",
    ]);
    expect(
      names(problems({ ...withoutClerk, NODE_ENV: "production", WARDEN_DEMO_SIGN_IN: "0" })),
    ).toEqual(["CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"]);
  });

  it("WARDEN_DEMO_SIGN_IN=1 turns on the local provider in production, marked as a demo", () => {
    expect(
      loadConfig({ ...withoutClerk, NODE_ENV: "production", WARDEN_DEMO_SIGN_IN: "1" }).identity,
    ).toEqual({ provider: "local", demoOptIn: true });
  });

  it("still needs the session secret and origin", () => {
    expect(
      names(problems({ ...ROLE_URLS, NODE_ENV: "production", WARDEN_DEMO_SIGN_IN: "1" })),
    ).toEqual(["WARDEN_SESSION_SECRET", "WARDEN_ORIGIN"]);
  });

  it("contradicts the Clerk keys", () => {
    expect(names(problems({ ...PRODUCTION, WARDEN_DEMO_SIGN_IN: "1" }))).toEqual([
      "WARDEN_DEMO_SIGN_IN=1",
    ]);
  });
});

describe("npm start", () => {
  it("exits non-zero before listening, listing what is missing, with only the role URLs and the publishable key", () => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      ...ROLE_URLS,
      CLERK_PUBLISHABLE_KEY: PUBLISHABLE,
      PORT: "39999",
    } as NodeJS.ProcessEnv;
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "Warden cannot start: the production configuration is incomplete or contradictory.",
    );
    for (const name of ["CLERK_SECRET_KEY", "WARDEN_SESSION_SECRET", "WARDEN_ORIGIN"])
      expect(run.stderr).toContain(`  - ${name} is missing`);
    expect(run.stdout).not.toContain("serving on");
  });
});
