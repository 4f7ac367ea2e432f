/**
 * Run manifests of the acceptance suite: `$BC_ACCEPTANCE_STATE_DIR/<run>.json` lists what a run is about to
 * create (written before each create), so that `sweep` can remove what a killed run left behind even where a name
 * does not carry the prefix (installed apps, principals). docs/acceptance.md.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunManifest {
  run: string;
  /** Name of every object the run creates, e.g. `pbc-acc-k3x9q2`. */
  name: string;
  environment: string;
  createdAt: string;
  companies: string[];
  /** Apps the run installs: only these are ever uninstalled. */
  apps: { appId: string; kind: "appsource" | "pte" }[];
  /** Environment copies. */
  environments: string[];
  /** Principals the run grants to (only inside its own companies). */
  principals: ({ userName: string } | { securityGroupId: string })[];
}

/** `$BC_ACCEPTANCE_STATE_DIR`, default `<os temp>/pbc-acceptance`. */
export function manifestDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BC_ACCEPTANCE_STATE_DIR || join(tmpdir(), "pbc-acceptance");
}

export function writeManifest(dir: string, manifest: RunManifest): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${manifest.run}.json`);
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return file;
}

export function removeManifest(dir: string, run: string): void {
  rmSync(join(dir, `${run}.json`), { force: true });
}

/** Every readable manifest in the folder (other files are ignored). */
export function readManifests(dir: string): { file: string; manifest: RunManifest }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: { file: string; manifest: RunManifest }[] = [];
  for (const name of names) {
    if (!/^[0-9a-z]{6}\.json$/.test(name)) continue;
    const file = join(dir, name);
    try {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as RunManifest;
      if (typeof manifest.run === "string" && typeof manifest.environment === "string") found.push({ file, manifest });
    } catch {
      // a half-written manifest names nothing we could act on
    }
  }
  return found;
}
