/**
 * `npm run demo`: what a user types, with the real `pulumi` CLI, against the embedded emulator.
 *   1. start the Business Central + Entra ID emulator
 *   2. a Pulumi project of one's own: the hydrate-tenant example copied into a temp folder (its own package.json,
 *      Pulumi.yaml, tsconfig.json, index.ts)
 *   3. `pulumi stack init`, `pulumi config set [--secret] businesscentral:*`
 *   4. `pulumi up`, and what now exists in BC
 *   5. change one input, `pulumi preview --diff`
 *   6. `pulumi up`, then `pulumi preview --diff --expect-no-changes`
 *   7. `pulumi destroy`, leaving the environment as it started
 * Every command is printed before its output. `--quiet` hides the engine's output (commands are still shown).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningEmulator, startEmulator } from "../emulator";
import { cliEnv, configSetArgs, connectionConfig, PULUMI_BIN, REPO_ROOT, requireCli, run } from "./lib/cli";

const quiet = process.argv.includes("--quiet");

function step(n: number, text: string) {
  process.stdout.write(`\n━━ Step ${n}: ${text}\n`);
}

function say(text: string) {
  process.stdout.write(`   ${text}\n`);
}

function describeTenant(emu: RunningEmulator) {
  const env = emu.state().tenants[0].environments.find((e) => e.name === emu.environment)!;
  const legacy = emu.state().tenants[0].environments.find((e) => e.name === "sandbox-24");
  for (const c of env.companies) {
    const packages = c.configurationPackages.map((p) => `${p.code} (import ${p.importStatus}, apply ${p.applyStatus})`);
    say(`company  ${c.name}${packages.length ? `  · packages: ${packages.join(", ")}` : ""}`);
  }
  for (const a of env.publishedApps.filter((x) => x.isInstalled && x.publisher !== "Microsoft")) {
    say(`extension ${a.displayName} ${a.version} by ${a.publisher} (${a.publishedAs})`);
  }
  const names = new Map(env.users.map((u) => [u.userSecurityId, u.userName]));
  for (const g of env.securityGroups) names.set(g.groupUserSecurityId, `group ${g.code}`);
  for (const ac of env.accessControls.filter(
    (x) => names.has(x.userSecurityId) && !["SUPER", "D365 BASIC"].includes(x.roleId),
  )) {
    if (/AUTOMATION|EXTEN/.test(ac.roleId)) continue;
    say(`permission ${ac.roleId} → ${names.get(ac.userSecurityId)}${ac.company ? ` in ${ac.company}` : ""}`);
  }
  for (const m of legacy?.userGroupMembers ?? []) {
    say(
      `user group ${m.code} ← ${legacy?.users.find((u) => u.userSecurityId === m.userSecurityId)?.userName} (sandbox-24)`,
    );
  }
}

async function main() {
  requireCli();
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "bc-demo-"));
  const project = join(work, "infra");
  const env = cliEnv(join(work, "state"));
  /** Prints `$ pulumi …` (secrets never appear: they go through stdin), runs it in the project, fails loudly. */
  const pulumi = async (args: string[], options: { input?: string; note?: string; allowFail?: boolean } = {}) => {
    const shown = args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ");
    process.stdout.write(`\n$ pulumi ${shown}${options.note ? `   # ${options.note}` : ""}\n`);
    const result = await run(join(PULUMI_BIN, "pulumi"), args, {
      cwd: project,
      env,
      input: options.input,
      echo: quiet ? undefined : (chunk) => process.stdout.write(chunk),
    });
    if (result.code !== 0 && !options.allowFail)
      throw new Error(`pulumi ${args[0]} failed (exit ${result.code})${quiet ? `:\n${result.output}` : ""}`);
    return result;
  };

  step(1, "Start the Business Central + Entra ID emulator");
  const emu = await startEmulator({ timeScale: 0.02 });
  say(`listening on ${emu.baseUrl} — tenant ${emu.tenantId}, environment '${emu.environment}'`);
  try {
    step(2, "A Pulumi project of your own: the hydrate-tenant example in a folder of its own");
    mkdirSync(project, { recursive: true });
    for (const f of ["package.json", "Pulumi.yaml", "tsconfig.json", "index.ts", "program.ts"])
      copyFileSync(join(REPO_ROOT, "examples/hydrate-tenant", f), join(project, f));
    // In your project this is `npm install pulumi-businesscentral @pulumi/pulumi`; the demo borrows this
    // repository's node_modules (pulumi-businesscentral there is this checkout, built).
    symlinkSync(join(REPO_ROOT, "node_modules"), join(project, "node_modules"), "dir");
    const build = join(work, "build");
    execFileSync(process.execPath, [join(REPO_ROOT, "dist/examples/hydrate-tenant/prepare.js"), build], {
      stdio: "ignore",
    });
    say(`${project}: package.json, Pulumi.yaml, tsconfig.json, index.ts, program.ts`);
    say(`(RapidStart package and .app files built into ${build})`);

    step(3, "Create a stack and point it at Business Central (here: the emulator)");
    await pulumi(["stack", "init", "demo"]);
    for (const [key, value, secret] of connectionConfig(emu)) {
      const { args, input } = configSetArgs(key, value, secret);
      await pulumi(args, { input, note: secret ? "the value is read from stdin" : undefined });
    }
    await pulumi(["config", "set", "hydrate:buildDir", build]);

    step(4, "pulumi up — create everything the program declares");
    await pulumi(["up", "--yes"]);
    say("Business Central now holds:");
    describeTenant(emu);

    step(5, "Change one input (the company's display name) and preview the difference");
    await pulumi(["config", "set", "hydrate:companyName", "Contoso Trading Ltd."]);
    await pulumi(["preview", "--diff"]);

    step(6, "pulumi up — apply the change in place; a second preview has nothing to do");
    await pulumi(["up", "--yes", "--skip-preview"]);
    await pulumi(["preview", "--diff", "--expect-no-changes"]);

    step(7, "pulumi destroy — remove what the stack created");
    await pulumi(["destroy", "--yes", "--skip-preview"]);
    await pulumi(["stack", "rm", "--yes", "demo"]);
    say("Business Central now holds:");
    describeTenant(emu);
    say("(data applied by the RapidStart package stays in a company; the company itself was deleted)");
    process.stdout.write(`\nDemo finished in ${Math.round((Date.now() - started) / 1000)} s.\n`);
  } finally {
    await emu.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`\ndemo failed: ${(err as Error).message}\n`);
  process.exit(1);
});
