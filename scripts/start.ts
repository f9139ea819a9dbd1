import { existsSync } from "node:fs";
import { checkConfigOrExit, serve } from "./serve";

checkConfigOrExit();
if (!existsSync("build/index.js")) {
  console.error("No production build found. Run `npm run build` first.");
  process.exit(1);
}
await serve(process.execPath, ["--import", "tsx", "scripts/app-server.ts"]);
