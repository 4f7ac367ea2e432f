/**
 * `npm run demo`: the whole product against the embedded emulator, with the real Pulumi engine.
 *   1. start the Business Central + Entra ID emulator
 *   2. `pulumi up` the examples/hydrate-tenant program and show what now exists in BC
 *   3. change one input and show `pulumi preview --diff`
 *   4. apply it with `pulumi up`
 *   5. `pulumi destroy`, leaving the environment as it started
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { startEmulator, type RunningEmulator } from "../emulator";
import { openStack } from "./lib/pulumi-stack";

const verbose = process.argv.includes("--verbose");

function step(n: number, text: string) {
  process.stdout.write(`\n━━ Step ${n}: ${text}\n`);
}

function say(text: string) {
  process.stdout.write(`   ${text}\n`);
}

export function emulatorConfig(emu: RunningEmulator): ConfigMap {
  return {
    "businesscentral:tenantId": { value: emu.tenantId },
    "businesscentral:clientId": { value: emu.clientId },
    "businesscentral:clientSecret": { value: emu.clientSecret, secret: true },
    "businesscentral:environment": { value: emu.environment },
    "businesscentral:authorityHost": { value: emu.authorityHost },
    "businesscentral:apiBaseUrl": { value: emu.baseUrl },
    "businesscentral:caCertPath": { value: emu.caCertPath },
  };
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
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "bc-demo-"));
  step(1, "Start the Business Central + Entra ID emulator");
  const emu = await startEmulator({ timeScale: 0.02 });
  say(`listening on ${emu.baseUrl} — tenant ${emu.tenantId}, environment '${emu.environment}'`);
  try {
    const build = join(work, "build");
    execFileSync(process.execPath, [resolve(__dirname, "../examples/hydrate-tenant/prepare.js"), build], {
      stdio: "ignore",
    });
    const config: ConfigMap = { ...emulatorConfig(emu), "hydrate:buildDir": { value: build } };
    const program = async () => require("../examples/hydrate-tenant/program").hydrateTenant();
    const stack = await openStack({
      projectName: "hydrate-tenant",
      stackName: "demo",
      program,
      stateDir: join(work, "state"),
      config,
    });
    const onOutput = verbose ? (s: string) => process.stdout.write(s) : undefined;

    step(2, "pulumi up — create everything the program declares");
    const up = await stack.up({ onOutput });
    say(`result: ${up.summary.result}, ${JSON.stringify(up.summary.resourceChanges)}`);
    say("Business Central now holds:");
    describeTenant(emu);

    step(3, "Change one input (the company's display name) and preview the difference");
    await stack.setConfig("hydrate:companyName", { value: "Contoso Trading Ltd." });
    const preview = await stack.preview({ diff: true });
    for (const line of preview.stdout.split("\n").filter((l) => /^\s*[~+-]|displayName/.test(l))) say(line.trimEnd());
    say(`plan: ${JSON.stringify(preview.changeSummary)}`);

    step(4, "pulumi up — apply the change in place");
    const up2 = await stack.up({ onOutput });
    say(`result: ${up2.summary.result}, ${JSON.stringify(up2.summary.resourceChanges)}`);

    step(5, "pulumi destroy — remove what the stack created");
    const destroyed = await stack.destroy({ onOutput });
    say(`result: ${destroyed.summary.result}, ${JSON.stringify(destroyed.summary.resourceChanges)}`);
    say("Business Central now holds:");
    describeTenant(emu);
    say(`(data applied by the RapidStart package stays in a company; the company itself was deleted)`);
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
