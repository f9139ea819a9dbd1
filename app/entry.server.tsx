import { Writable } from "node:stream";
import type { EntryContext, HandleDataRequestFunction, HandleErrorFunction } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { renderToPipeableStream } from "react-dom/server";
import { warmRolePools } from "../db/pools.server";
import { config } from "./config.server";
import { NonceContext } from "./lib/nonce";
import { applySecurityHeaders, newNonce } from "./lib/security-headers.server";

/**
 * How long single fetch waits for a loader's promises before rejecting them;
 * Remix reads this export. Rendering is abandoned a second later, so those
 * rejections still reach the page.
 */
export const streamTimeout = 5_000;

// Read and check the configuration as the server loads this build: a bad one
// stops the server before it listens, with the list of what is wrong.
const { identity } = config();
if (identity.provider === "local" && identity.demoOptIn) {
  console.warn(
    "[warden] WARNING: demo sign-in is on (WARDEN_DEMO_SIGN_IN=1): anyone can sign in as any demo identity, including an admin.",
  );
}
// Connect each role's pool as the server starts, so its first requests do not pay for connecting.
void warmRolePools();

/**
 * No route defers data (no `defer`, no Suspense boundary), so the shell is the
 * whole page and streaming it would only cut it into many small writes, each
 * crossing a PassThrough, a web stream and the response on its own. The page
 * is rendered whole and sent as one body with its length, for browsers and
 * bots alike.
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  const nonce = newNonce();
  applySecurityHeaders(responseHeaders, request, nonce);
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const chunks: Buffer[] = [];
    const body = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
      final(done) {
        clearTimeout(timeout);
        const html = Buffer.concat(chunks);
        responseHeaders.set("Content-Type", "text/html; charset=utf-8");
        responseHeaders.set("Content-Length", String(html.byteLength));
        resolve(new Response(html, { headers: responseHeaders, status: responseStatusCode }));
        done();
      },
    });
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
        onShellReady() {
          shellRendered = true;
        },
        onAllReady() {
          pipe(body);
        },
        onShellError(error: unknown) {
          clearTimeout(timeout);
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    // Cleared as soon as the page is done: a pending timer would keep the whole render reachable for its delay.
    const timeout = setTimeout(abort, streamTimeout + 1_000);
  });
}

export const handleDataRequest: HandleDataRequestFunction = (response, { request }) => {
  applySecurityHeaders(response.headers, request);
  return response;
};

/** Unexpected errors are logged here, never shown: users get a generic message. Remix's own 4xx answers are not errors. */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted || (isRouteErrorResponse(error) && error.status < 500)) return;
  console.error(error);
};
