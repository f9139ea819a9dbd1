import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { checkConfigOrExit, serve } from "./serve";

checkConfigOrExit();
if (!existsSync("build/index.js")) {
  console.error("No production build found. Run `npm run build` first.");
  process.exit(1);
}
const require = createRequire(import.meta.url);
await serve(process.execPath, [require.resolve("@remix-run/serve/dist/cli.js"), "build/index.js"]);
