import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData } from "ws";

/**
 * The Neon serverless driver speaks the Postgres wire protocol inside binary
 * WebSocket frames. This proxy unwraps those frames onto a TCP connection to
 * the local server, so the driver takes the same path here as against Neon.
 * It forwards only to the one server it was started for: it is not a relay.
 */
export interface WsProxy {
  /** host:port to give the driver as `wsProxy`. */
  address: string;
  close(): Promise<void>;
}

/** Sees one connection's bytes in the order the proxy forwards them. */
export interface ConnectionTap {
  fromClient(chunk: Buffer): void;
  fromServer(chunk: Buffer): void;
}

/** Called once per accepted connection, for a tap on its traffic. */
export type ProxyObserver = () => ConnectionTap;

export async function startWsProxy(
  target: { host: string; port: number },
  observer?: ProxyObserver,
): Promise<WsProxy> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  const allowed = new Set([`${target.host}:${target.port}`, `localhost:${target.port}`]);

  wss.on("connection", (socket, request) => {
    const url = new URL(request.url ?? "/", "http://proxy");
    const requested = url.searchParams.get("address");
    if (!requested || !allowed.has(requested)) {
      socket.close(1008, "address not allowed");
      return;
    }
    // Unobserved, the tap costs one skipped call per chunk: nothing is parsed or copied.
    const tap = observer?.();
    const tcp = connect({ host: target.host, port: target.port });
    tcp.setNoDelay(true);
    const pending: Buffer[] = [];
    let connected = false;
    tcp.on("connect", () => {
      connected = true;
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    socket.on("message", (data: RawData) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      tap?.fromClient(chunk);
      if (connected) tcp.write(chunk);
      else pending.push(chunk);
    });
    tcp.on("data", (chunk) => {
      tap?.fromServer(chunk);
      socket.send(chunk, { binary: true });
    });
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.terminate());
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
