import { createRequire } from "node:module";
import { serve } from "./serve";

const require = createRequire(import.meta.url);
await serve(process.execPath, [require.resolve("@remix-run/dev/dist/cli.js"), "dev"]);
