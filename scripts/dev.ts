import { createRequire } from "node:module";
import { checkConfigOrExit, serve } from "./serve";

checkConfigOrExit();

const require = createRequire(import.meta.url);
// `remix dev` rebuilds on change and restarts the app server (the same one `npm start` runs).
await serve(process.execPath, [
  require.resolve("@remix-run/dev/dist/cli.js"),
  "dev",
  "-c",
  "node --import tsx scripts/app-server.ts",
]);
