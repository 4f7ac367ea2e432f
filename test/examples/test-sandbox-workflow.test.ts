/**
 * examples/test-sandbox's GitHub Actions workflow, validated rather than trusted unrun: actionlint (the pinned build
 * of scripts/install-actionlint) checks its syntax, expressions, job conditions and action inputs, and the README
 * lists every secret and variable it reads.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/cli";
import { ACTIONLINT } from "../helpers/actionlint";

const FOLDER = join(REPO_ROOT, "examples/test-sandbox");
const WORKFLOW = join(FOLDER, ".github/workflows/pr-sandbox.yml");
const workflow = readFileSync(WORKFLOW, "utf8");

describe.skipIf(!existsSync(ACTIONLINT))(
  "pr-sandbox.yml under actionlint (install: bash scripts/install-actionlint)",
  () => {
    it("has no findings", () => {
      // actionlint exits 1 with one line per finding; execFileSync throws with them in the message.
      const out = execFileSync(ACTIONLINT, ["-no-color", "-oneline", WORKFLOW], { encoding: "utf8" });
      expect(out).toBe("");
    });

    it("reports a broken workflow (the check can fail)", () => {
      const broken = workflow.replace("if: github.event.action != 'closed'", "if: github.event.actoin ==");
      let findings = "";
      try {
        execFileSync(ACTIONLINT, ["-no-color", "-oneline", "-"], { input: broken, encoding: "utf8" });
      } catch (err) {
        findings = String((err as { stdout?: string }).stdout);
      }
      expect(findings).toMatch(/expression|syntax/i);
    });
  },
);

describe("the sandbox-per-pull-request cycle", () => {
  it("ups on opened/reopened/synchronize and destroys on closed, one run per PR, never cancelled", () => {
    expect(workflow).toMatch(/types: \[opened, reopened, synchronize, closed\]/);
    expect(workflow).toMatch(/up:\n\s+if: github\.event\.action != 'closed'/);
    expect(workflow).toMatch(/destroy:\n\s+if: github\.event\.action == 'closed'/);
    expect(workflow).toMatch(
      /concurrency:\n\s+group: pr-\$\{\{ github\.event\.pull_request\.number \}\}\n\s+cancel-in-progress: false/,
    );
    expect(workflow).toMatch(/STACK: pr-\$\{\{ github\.event\.pull_request\.number \}\}/);
    expect(workflow).toContain("id-token: write");
    expect(workflow).toContain("AZURE_FEDERATED_TOKEN_FILE=$RUNNER_TEMP/oidc-token");
    expect(workflow).toMatch(/pulumi up --yes/);
    expect(workflow).toMatch(/pulumi destroy --yes/);
  });

  it("the README names every secret and variable the workflow reads", () => {
    const readme = readFileSync(join(FOLDER, "README.md"), "utf8");
    const used = [...workflow.matchAll(/\$\{\{ (?:secrets|vars)\.([A-Z_]+) \}\}/g)].map((m) => m[1]!);
    expect(used).toEqual(expect.arrayContaining(["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]));
    for (const name of new Set(used)) expect(readme, name).toContain(`\`${name}\``);
  });
});
