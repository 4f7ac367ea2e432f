/**
 * Makes a state fixture: the stack `dev` of project `infra` running test/fixtures/state/<version>/index.ts with a
 * released package (its `npm pack` tarball) through the real CLI against the emulator, then `pulumi stack export
 * --show-secrets` (stack.json) and the emulator's state after the `up` (emulator-state.json), so a test can start
 * the emulator where the stack left it and run today's package on that state (test/e2e/state-upgrade.test.ts).
 *
 *   npm run build && node dist/scripts/make-state-fixture.js <tarball of the release> test/fixtures/state/<version>
 *
 * The fixture's files/ (the .rapidstart and .app it deploys) are committed with it: their hashes are in the state.
 */
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startEmulator } from "../emulator";
import { cliEnv, configSetArgs, connectionConfig, createConsumer, PULUMI_BIN, requireCli, run } from "./lib/cli";

/** The `@pulumi/pulumi` of the fixture's consumer project (the repository's own, so installs come from the cache). */
export const FIXTURE_PULUMI_VERSION = "3.270.0";

async function main() {
  const [tarball, outDir] = process.argv.slice(2);
  if (!tarball || !outDir) throw new Error("usage: make-state-fixture <tarball> <fixture dir>");
  requireCli();
  const out = resolve(outDir);
  for (const file of ["index.ts", "files/cronus-setup.rapidstart", "files/contoso-extras.app"])
    if (!existsSync(join(out, file))) throw new Error(`${join(out, file)} is missing`);
  const work = mkdtempSync(join(tmpdir(), "bc-state-fixture-"));
  const emu = await startEmulator({ timeScale: 0.01, stateDir: join(work, "emulator") });
  try {
    const project = join(work, "infra");
    await createConsumer(project, resolve(tarball), { pulumiVersion: FIXTURE_PULUMI_VERSION });
    copyFileSync(join(out, "index.ts"), join(project, "index.ts"));
    cpSync(join(out, "files"), join(project, "files"), { recursive: true });
    const env = cliEnv(join(work, "state"));
    const pulumi = async (args: string[], input?: string) => {
      const r = await run(join(PULUMI_BIN, "pulumi"), args, { cwd: project, env, input });
      if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.output}`);
      return r;
    };
    await pulumi(["stack", "init", "dev"]);
    for (const [key, value, secret] of connectionConfig(emu)) {
      const { args, input } = configSetArgs(key, value, secret);
      await pulumi(args, input);
    }
    process.stdout.write((await pulumi(["up", "--yes", "--skip-preview"])).stdout);
    // Where the emulator ran and its sample secret (the default provider records the stack's config) become
    // placeholders the test fills in (fillStateFixture); the secret is never committed.
    const exported = (await pulumi(["stack", "export", "--show-secrets"])).stdout
      .replaceAll(emu.baseUrl, "{{apiBaseUrl}}")
      .replaceAll(emu.authorityHost, "{{authorityHost}}")
      .replaceAll(emu.caCertPath, "{{caCertPath}}")
      .replaceAll(emu.clientSecret, "{{clientSecret}}");
    writeFileSync(join(out, "stack.json"), exported);
    await emu.stop();
    const state = JSON.parse(readFileSync(join(work, "emulator/state.json"), "utf8"));
    writeFileSync(join(out, "emulator-state.json"), `${JSON.stringify(state)}\n`);
    process.stdout.write(`fixture written to ${out}\n`);
  } finally {
    await emu.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

/** A fixture's stack.json with the placeholders filled in for the emulator the test runs. */
export function fillStateFixture(
  text: string,
  emu: { baseUrl: string; authorityHost: string; caCertPath: string; clientSecret: string },
): string {
  return text
    .replaceAll("{{apiBaseUrl}}", emu.baseUrl)
    .replaceAll("{{authorityHost}}", emu.authorityHost)
    .replaceAll("{{caCertPath}}", emu.caCertPath)
    .replaceAll("{{clientSecret}}", emu.clientSecret);
}

if (require.main === module)
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
