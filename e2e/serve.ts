import { rm } from "node:fs/promises";
import path from "node:path";
import { LocalPostgres } from "../db/local/postgres";

// Every browser run starts from the seed data alone. A server an interrupted
// run left behind is stopped before its data directory goes.
const dataDir = path.resolve(process.env.WARDEN_DATA_DIR ?? ".data/e2e");
await new LocalPostgres({
  dataDir: path.join(dataDir, "pg"),
  port: 0,
  superuser: "postgres",
  password: "",
}).stopStale();
await rm(dataDir, { recursive: true, force: true });
await import("../scripts/start");
