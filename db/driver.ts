import { neonConfig, Pool, type PoolClient } from "@neondatabase/serverless";
import ws from "ws";
import { NativeScramClient } from "./scram";

/**
 * Every connection goes through `@neondatabase/serverless`. Against Neon the
 * driver's defaults apply. In the embedded default (WARDEN_LOCAL_WS_PROXY set)
 * it talks plain WebSocket to the local proxy; write coalescing is off there
 * because on loopback it only adds latency to every round trip.
 */
function configure() {
  neonConfig.webSocketConstructor = ws;
  const proxy = process.env.WARDEN_LOCAL_WS_PROXY;
  if (proxy) {
    // Read per connection: a test process may restart the local proxy.
    neonConfig.wsProxy = (host, port) =>
      `${process.env.WARDEN_LOCAL_WS_PROXY}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
    neonConfig.coalesceWrites = false;
  }
}

/**
 * Idle connections are kept for minutes: a new one costs a WebSocket, TLS on
 * Neon, and a SCRAM exchange (see NativeScramClient). The driver's default
 * let them go after 10 s, so every pause longer than that made the next
 * request pay it again.
 */
const IDLE_TIMEOUT_MS = 10 * 60_000;

export function createPool(connectionString: string, options: { max?: number } = {}): Pool {
  configure();
  const pool = new Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  });
  // The class pg-pool makes connections with; the driver's Pool sets it after pg-pool's `Client` option has been read.
  Object.assign(pool, { Client: NativeScramClient });
  // An idle client that loses its server must not crash the process; the
  // next checkout gets a fresh connection.
  pool.on("error", () => {});
  // A checked-out client has no pool listener, and drizzle adds none: a
  // backend terminated mid-transaction (pg_terminate_backend, a failover)
  // would emit an unhandled "error" and take the process down. Its query
  // rejects anyway, and on release the pool drops it as no longer queryable.
  pool.on("connect", (client: PoolClient) => client.on("error", () => {}));
  return pool;
}
