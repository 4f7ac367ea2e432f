/**
 * Helpers for the policy pack's CLI test: `npm pack` of packages/policy, the program the consumer project runs, and
 * the wrapper that starts the pack with our engine. Engines since v3.2xx start a Node policy pack folder through the
 * language host's RunPlugin, which the v3.68 host we can build lacks; they also accept an executable as
 * `--policy-pack` and run it as a binary analyzer with the engine's address as its only argument, so the wrapper
 * runs @pulumi/pulumi's own `cmd/run-policy-pack` on the installed pack folder, as a current host would.
 * Users pass the folder itself (docs/policy.md).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../../scripts/lib/cli";

/** `npm pack -w packages/policy` into `dest` (its prepack compiles the pack); returns the tarball path. */
export function packPolicy(dest: string): string {
  const out = execFileSync("npm", ["pack", "-w", "packages/policy", "--json", "--pack-destination", dest], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const info = JSON.parse(out.slice(out.indexOf("["))) as { filename: string }[];
  return join(dest, info[0].filename);
}

/** Writes the executable stand-in for `--policy-pack <pack folder>` and returns its path. */
export function writePackWrapper(file: string, packDir: string): string {
  const pulumiPkg = dirname(createRequire(join(packDir, "package.json")).resolve("@pulumi/pulumi/package.json"));
  const runner = join(pulumiPkg, "cmd", "run-policy-pack");
  writeFileSync(
    file,
    `#!/bin/sh\ncd '${packDir}' || exit 1\nexec '${process.execPath}' '${runner}' "$1" '${packDir}'\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

const APP_PINNED = "437dbf0e-84ff-417a-965d-ed2bb9650972";
const APP_UNPINNED = "63ca2fa4-4f03-4f2b-a480-172fef340d3f";
/** The emulator's seeded FINANCE group: preview checks that a granted group exists in BC. */
export const ADMIN_GROUP = "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d";

/**
 * One consumer program, one scenario per preview (`-c scenario=<name>`): a compliant base, plus what the scenario
 * adds. Previews only check inputs (no request reaches BC), so nothing here needs the objects to exist.
 */
export const POLICY_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

const scenario = new pulumi.Config().get("scenario") ?? "compliant";

new bc.PermissionSetAssignment("joe-full-access", { userName: "JOE", roleId: "D365 BUS FULL ACCESS" });
new bc.Extension("pinned-app", {
  appSource: { appId: "${APP_PINNED}", version: "1.2.0.0" },
  acceptIsvEula: true,
});
const uat = new bc.Environment("uat", { name: "uat", type: "Sandbox", countryCode: "US" });

switch (scenario) {
  case "super-to-group":
    new bc.PermissionSetAssignment("admins-super", { securityGroupId: "${ADMIN_GROUP}", roleId: "SUPER" });
    break;
  case "super-in-production":
    new bc.PermissionSetAssignment("joe-super", { userName: "JOE", roleId: "SUPER" });
    break;
  case "super-in-declared-production": {
    const eu = new bc.Environment("prod-eu", { name: "prodeu", type: "Production", countryCode: "DE" });
    new bc.PermissionSetAssignment("joe-super-eu", { userName: "JOE", roleId: "SUPER", environment: eu.name });
    break;
  }
  case "deletable-production":
    // allowDelete through a spread: the SDK's declared inputs may not list it yet.
    new bc.Environment("prod-us", { name: "produs", type: "Production", countryCode: "US", ...({ allowDelete: true } as object) });
    break;
  case "environment-not-known-yet":
    // An environment name that preview cannot know (it waits for the new environment's status).
    new bc.PermissionSetAssignment("joe-super-later", {
      userName: "JOE",
      roleId: "SUPER",
      environment: uat.status.apply(() => "uat"),
    });
    break;
  case "advisories":
    new bc.Extension("unpinned-app", { appSource: { appId: "${APP_UNPINNED}" }, acceptIsvEula: true, deleteData: true });
    new bc.Company("contoso", { displayName: "Contoso Ltd.", adopt: true, deleteAdopted: true });
    break;
}
`;
