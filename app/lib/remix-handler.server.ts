// The adapter's own request (host, port, body, abort on close), from its module: its index exports only the handler. The version is pinned.
import { createRemixRequest } from "@remix-run/express/dist/server.js";
import { createRequestHandler as createRemixHandler, type ServerBuild } from "@remix-run/node";
import type { Response as ExpressResponse, RequestHandler } from "express";

/**
 * Remix behind Express, as `@remix-run/express` serves it (status, every
 * header, each Set-Cookie on its own, loaders aborted when the client goes
 * away), except for the body: the adapter writes a streamed body as fast as
 * it is produced and ignores `write()`'s answer, so for a slow client a whole
 * export would pile up in the server. Here the body is read only as the
 * client takes it, and a client that goes away cancels it, which stops
 * whatever produces it (an export's database reads).
 */
export function createRequestHandler({
  build,
  mode,
}: {
  build: ServerBuild;
  mode?: string;
}): RequestHandler {
  const handle = createRemixHandler(build, mode);
  return async (req, res, next) => {
    try {
      await sendResponse(res, await handle(createRemixRequest(req, res)));
    } catch (error) {
      next(error);
    }
  };
}

export async function sendResponse(res: ExpressResponse, response: Response) {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [name, value] of response.headers.entries()) res.append(name, value);
  if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
  if (!response.body) return void res.end();
  await writeBody(response.body, res);
}

/**
 * The adapter's write loop, waiting for `drain` whenever `write()` says the
 * socket's buffer is full, and cancelling the body when the client has gone.
 * A page is one chunk, so it is still one write and an end.
 */
async function writeBody(body: ReadableStream<Uint8Array>, res: ExpressResponse) {
  let gone = false;
  res.once("close", () => (gone = true));
  const reader = body.getReader();
  while (!gone) {
    const chunk = await reader.read();
    if (chunk.done) return void res.end();
    if (!gone && !res.write(chunk.value)) await drainedOrClosed(res);
  }
  await reader.cancel();
}

const drainedOrClosed = (res: ExpressResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
