import path from "node:path";
import { pathToFileURL } from "node:url";
import { broadcastDevReady, installGlobals, type ServerBuild } from "@remix-run/node";
import compression from "compression";
import express, { type RequestHandler } from "express";
import morgan from "morgan";
import { config } from "../app/config.server";
import { FORGED_MESSAGE, isSameOriginMutation, parseUrlEncoded } from "../app/lib/edge.server";
import { createRequestHandler } from "../app/lib/remix-handler.server";

/**
 * The app server: what `remix-serve` does (static assets, the Remix handler,
 * which here waits for a slow client instead of buffering a streamed body),
 * with two checks in front of Remix. Remix's own
 * origin check for document posts answers a bare 500; this answers every
 * cross-site state-changing request with a 403 before Remix sees it (Clerk's
 * webhook, which carries no cookie and proves itself by signature, aside). And
 * Remix rebuilds each URL through URLSearchParams, which turns invalid UTF-8
 * into U+FFFD, so the query string is checked here, raw, for every route.
 * Both refusals are plain text, for single-fetch (`.data`) requests too: the
 * app's own pages never send what they refuse, so no page needs to decode them.
 */

process.env.NODE_ENV ??= "production";
installGlobals();
const BUILD = path.resolve("build/index.js");
const build = (await import(pathToFileURL(BUILD).href)) as ServerBuild;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Endpoints authenticated by a signature over the body rather than by cookies: no browser can forge them. */
const SIGNED_ENDPOINTS = new Set(["/webhooks/clerk"]);

/** The origin Remix will see in `request.url`; a Host header no URL can hold matches nothing. */
function requestOrigin(req: Parameters<RequestHandler>[0]): string | null {
  try {
    return new URL(`${req.protocol}://${req.get("host")}`).origin;
  } catch {
    return null;
  }
}

const refuseForgeries: RequestHandler = (req, res, next) => {
  if (SAFE_METHODS.has(req.method) || SIGNED_ENDPOINTS.has(req.path)) return next();
  if (isSameOriginMutation({ get: (name) => req.get(name) }, config().origin ?? requestOrigin(req)))
    return next();
  res
    .status(403)
    .set({ "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" })
    .type("text/plain")
    .send(FORGED_MESSAGE);
};

const refuseMalformedAddresses: RequestHandler = (req, res, next) => {
  const query = req.originalUrl.split("?").slice(1).join("?");
  try {
    parseUrlEncoded(query, "address");
    next();
  } catch (refusal) {
    if (!(refusal instanceof Response)) return next(refusal);
    res
      .status(refusal.status)
      .set({ "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
    void refusal
      .json()
      .then((body: { message: string }) => res.type("text/plain").send(body.message));
  }
};

/** Only a top-level path naming a file (`/favicon.svg`) can be in public/; pages are never looked up on disk. */
const PUBLIC_FILE = /^\/[\w-]+(\.[\w-]+)+$/;

const app = express();
app.disable("x-powered-by");
// Build assets are compressed here: they are immutable, cached for a year, and
// may cross a proxy that does not compress. Pages and data are not: they are
// rendered for each request, and compressing each one took more CPU than
// anything but rendering it. In production the server speaks plain HTTP behind
// the TLS proxy WARDEN_ORIGIN requires, which is where they are compressed.
app.use(
  build.publicPath,
  compression(),
  express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }),
);
app.get(PUBLIC_FILE, compression(), express.static("public", { maxAge: "1h" }));
// The proxy in front logs every request in production; writing a line per
// request here cost about a tenth of a small page's CPU.
if (process.env.NODE_ENV === "development" || process.env.WARDEN_ACCESS_LOG === "1")
  app.use(morgan("tiny"));
app.use(refuseForgeries);
app.use(refuseMalformedAddresses);
app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV }));

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const server = app.listen(port, host, () => {
  console.log(`[warden] listening on http://${host}:${port}`);
  // `remix dev` restarts this server on every rebuild and waits for this.
  if (process.env.NODE_ENV === "development") void broadcastDevReady(build);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => server.close());
