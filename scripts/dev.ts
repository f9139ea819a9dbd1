import { createRequire } from "node:module";
import { checkConfigOrExit, serve } from "./serve";

checkConfigOrExit();
// The Remix CLI loads Vite's CommonJS build on start, even for the classic
// compiler we use, and Vite warns about that build; the warning is not ours to fix.
process.env.VITE_CJS_IGNORE_WARNING = "1";

const require = createRequire(import.meta.url);
// `remix dev` rebuilds on change and restarts the app server (the same one `npm start` runs).
await serve(process.execPath, [
  require.resolve("@remix-run/dev/dist/cli.js"),
  "dev",
  "-c",
  "node --import tsx scripts/app-server.ts",
]);
