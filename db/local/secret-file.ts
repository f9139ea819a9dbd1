import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A secret kept in a file under the embedded default's data directory, made
 * on first use. Two processes starting at once agree: the file is created
 * exclusively, and the loser reads the winner's.
 */
export async function readOrCreateSecret(file: string, make: () => string): Promise<string> {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, make(), { flag: "wx", mode: 0o600 }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      },
    );
    return readFileSync(file, "utf8").trim();
  }
}
