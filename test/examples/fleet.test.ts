/**
 * examples/fleet: a Pulumi project like the other examples, and a GitHub Actions workflow (one job per stack from
 * `fleet matrix`, preview on pull requests, up on main, a nightly drift report uploaded as an artifact) that
 * actionlint accepts. actionlint comes from scripts/install-actionlint (.tools/actionlint/bin/actionlint) or ACTIONLINT;
 * without it those tests report themselves skipped. The run against emulator tenants is test/e2e/fleet.test.ts.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/cli";
import { ACTIONLINT, ACTIONLINT_MISSING } from "../helpers/actionlint";

const FOLDER = join(REPO_ROOT, "examples/fleet");
const WORKFLOW = join(FOLDER, ".github/workflows/fleet.yml");
const work = mkdtempSync(join(tmpdir(), "bc-fleet-example-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function actionlint(file: string) {
  return spawnSync(ACTIONLINT, ["-no-color", file], { cwd: work, encoding: "utf8" });
}

describe("examples/fleet", () => {
  const workflow = readFileSync(WORKFLOW, "utf8");

  it("has what a Pulumi program folder needs: package.json, Pulumi.yaml, tsconfig.json, README.md", () => {
    for (const f of ["package.json", "Pulumi.yaml", "tsconfig.json", "README.md", "index.ts"])
      expect(existsSync(join(FOLDER, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(FOLDER, "package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@pulumi/pulumi", "pulumi-businesscentral"]);
  });

  it("its workflow passes actionlint", (ctx) => {
    if (!existsSync(ACTIONLINT)) ctx.skip(ACTIONLINT_MISSING);
    const result = actionlint(WORKFLOW);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it("actionlint does reject a broken copy (the check can fail)", (ctx) => {
    if (!existsSync(ACTIONLINT)) ctx.skip(ACTIONLINT_MISSING);
    const broken = join(work, "broken/.github/workflows/fleet.yml");
    mkdirSync(join(work, "broken/.github/workflows"), { recursive: true });
    writeFileSync(broken, workflow.replace("needs.stacks.outputs.matrix", "needs.stackz.outputs.matrix"));
    const result = actionlint(broken);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("stackz");
  });

  it("runs a job per stack from fleet matrix: preview on pull requests, up on main", () => {
    expect(workflow).toContain("npx pulumi-businesscentral fleet matrix --format github");
    expect(workflow).toMatch(/matrix: \$\{\{ fromJSON\(needs\.stacks\.outputs\.matrix\) \}\}/);
    expect(workflow).toMatch(/if: github\.event_name == 'pull_request'\n\s+run: .*fleet preview --stacks "\$STACK"/);
    expect(workflow).toMatch(/push:\n\s+branches: \[main\]/);
    expect(workflow).toMatch(/if: github\.event_name == 'push'\n\s+run: .*fleet up --stacks "\$STACK"/);
    expect(workflow).toContain("fail-fast: false");
  });

  it("reports drift nightly and uploads the HTML report whatever the exit code", () => {
    expect(workflow).toMatch(/schedule:\n\s+- cron: /);
    const drift = workflow.slice(workflow.indexOf("\n  drift:"));
    expect(drift).toContain("if: github.event_name == 'schedule'");
    expect(drift).toMatch(/fleet drift --all[\s\S]*--html drift-report\/index\.html/);
    expect(drift).toMatch(/uses: actions\/upload-artifact@v\d+\n\s+if: always\(\)/);
  });

  it("ci/with-federated-token.sh writes GitHub's OIDC token to the file and keeps the command's exit code", async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests += 1;
      expect(req.headers.authorization).toBe("bearer request-token");
      expect(req.url).toContain("audience=api://AzureADTokenExchange");
      res.end(JSON.stringify({ value: "oidc-token-1" }));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const port = (server.address() as AddressInfo).port;
      const result = await new Promise<{ status: number | null; stdout: string }>((ok) => {
        const child = spawn(
          join(FOLDER, "ci/with-federated-token.sh"),
          ["bash", "-c", 'cat "$AZURE_FEDERATED_TOKEN_FILE"; exit 3'],
          {
            env: {
              PATH: process.env.PATH,
              RUNNER_TEMP: work,
              ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-token",
              ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
            },
          },
        );
        let stdout = "";
        child.stdout.on("data", (d: Buffer) => {
          stdout += d;
        });
        child.on("close", (status: number | null) => ok({ status, stdout }));
      });
      expect(result.stdout.trim()).toBe("oidc-token-1");
      expect(result.status).toBe(3);
      expect(requests).toBe(1);
    } finally {
      server.close();
    }
    expect(execFileSync("bash", ["-n", join(FOLDER, "ci/with-federated-token.sh")]).toString()).toBe("");
  });
});
