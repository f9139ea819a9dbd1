import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { installGlobals } from "@remix-run/node";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendResponse } from "./remix-handler.server";

// As the app server runs: Remix's fetch polyfill in place of Node's own.
installGlobals();

const CHUNK = new Uint8Array(64 * 1024).fill(120);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An endless body that counts what was read from it and whether it was cancelled, as an export's chunks would be. */
function endlessBody() {
  const seen = { pulls: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        seen.pulls++;
        controller.enqueue(CHUNK);
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, seen };
}

let answer: () => Response;
const failures: unknown[] = [];
let server: http.Server;
let origin: string;

beforeAll(async () => {
  const app = express();
  app.get("/", (_req, res, next) => void sendResponse(res, answer()).catch(next));
  // What Express's own last handler does once headers are out: drop the connection (and log, which a test need not).
  app.use(
    (error: unknown, req: express.Request, _res: express.Response, _next: express.NextFunction) => {
      failures.push(error);
      req.socket.destroy();
    },
  );
  server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

/** A GET whose response is left unread (paused) until the test says. */
async function openPaused(): Promise<{
  response: http.IncomingMessage;
  request: http.ClientRequest;
}> {
  const request = http.get(origin);
  const [response] = (await once(request, "response")) as [http.IncomingMessage];
  response.pause();
  return { response, request };
}

async function text(response: http.IncomingMessage) {
  response.setEncoding("utf8");
  let body = "";
  for await (const part of response) body += part;
  return body;
}

/** Waits until the count stops moving: the server has stopped reading the body. */
async function settledPulls(seen: { pulls: number }) {
  let last = -1;
  while (seen.pulls !== last) {
    last = seen.pulls;
    await sleep(150);
  }
  return last;
}

describe("sendResponse", () => {
  it("sends the status, every header and each Set-Cookie on its own, and a body from Remix's fetch polyfill", async () => {
    answer = () => {
      const headers = new Headers({
        "Content-Type": "text/plain; charset=utf-8",
        "X-Check": "yes",
      });
      headers.append("Set-Cookie", "a=1; Path=/");
      headers.append("Set-Cookie", "b=2; Path=/");
      return new Response("hello, world", { status: 418, statusText: "Teapot", headers });
    };
    const { response } = await openPaused();
    expect(response.statusCode).toBe(418);
    expect(response.statusMessage).toBe("Teapot");
    expect(response.headers["x-check"]).toBe("yes");
    expect(response.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(await text(response)).toBe("hello, world");
  });

  it("ends a response without a body", async () => {
    answer = () => new Response(null, { status: 204 });
    const { response } = await openPaused();
    expect(response.statusCode).toBe(204);
    expect(await text(response)).toBe("");
  });

  it("reads a streamed body only as fast as the client takes it, then to the end", async () => {
    const total = 400;
    let pulls = 0;
    answer = () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              if (++pulls > total) controller.close();
              else controller.enqueue(CHUNK);
            },
          },
          { highWaterMark: 0 },
        ),
      );
    const { response } = await openPaused();
    // 25 MB of body; a paused client takes what the sockets buffer (a few MB on loopback), and the server waits.
    const stalled = await settledPulls({
      get pulls() {
        return pulls;
      },
    });
    expect(stalled).toBeLessThan(total / 2);
    let bytes = 0;
    for await (const part of response) bytes += (part as Buffer).length;
    expect(bytes).toBe(total * CHUNK.length);
  });

  it("cancels the body when the client goes away mid-stream, and reads no more of it", async () => {
    const { body, seen } = endlessBody();
    answer = () => new Response(body);
    const { response, request } = await openPaused();
    const stalled = await settledPulls(seen);
    expect(seen.cancelled).toBe(false);
    response.destroy();
    request.destroy();
    const deadline = Date.now() + 5_000;
    while (!seen.cancelled && Date.now() < deadline) await sleep(20);
    expect(seen.cancelled).toBe(true);
    // At most the read that was waiting when the client left.
    expect(seen.pulls).toBeLessThanOrEqual(stalled + 1);
    await sleep(200);
    expect(seen.pulls).toBeLessThanOrEqual(stalled + 1);
  });

  it("cuts the response short when the body fails mid-stream, and hands the error to Express", async () => {
    let pulls = 0;
    answer = () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              if (++pulls === 1) controller.enqueue(CHUNK);
              else controller.error(new Error("the database went away"));
            },
          },
          { highWaterMark: 0 },
        ),
      );
    const { response } = await openPaused();
    expect(response.statusCode).toBe(200);
    await expect(text(response)).rejects.toThrow("aborted");
    expect(failures.map((error) => (error as Error).message)).toEqual(["the database went away"]);
  });
});
