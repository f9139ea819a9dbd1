import path from "node:path";

/** Where the embedded default keeps its state: database, keys and secrets. */
export function localDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return path.resolve(env.WARDEN_DATA_DIR ?? ".data/dev");
}
