/**
 * The user's path with the real `pulumi` CLI (engine + Node language host from scripts/install-pulumi), offline:
 * a local file backend, passphrase secrets, no update checks, no plugin downloads. Used by `npm run demo`, the CLI
 * end-to-end test and the example tests. Nothing here imports the provider or the emulator.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve, sep } from "node:path";

/** The repository root, from the source (scripts/lib) or the compiled file (dist/scripts/lib). */
export const REPO_ROOT = resolve(__dirname, __dirname.includes(`${sep}dist${sep}`) ? "../../.." : "../..");
export const PULUMI_BIN = join(REPO_ROOT, ".tools", "pulumi", "bin");
/** Packages only the emulator needs; none of them may reach a user's node_modules. */
export const EMULATOR_ONLY_PACKAGES = ["jose", "@peculiar/x509", "tsyringe"];

/** Fails with the fix when the engine or the language host is missing. */
export function requireCli(): void {
  if (!existsSync(join(PULUMI_BIN, "pulumi")))
    throw new Error("The Pulumi CLI is not installed: run scripts/install-pulumi (npm test and npm run demo do).");
  if (!existsSync(join(PULUMI_BIN, "pulumi-language-nodejs")))
    throw new Error(
      "The Node language host (pulumi-language-nodejs) is missing: run scripts/install-pulumi and see its log in .tools/pulumi/logs/language-host.log.",
    );
}

/**
 * Environment for `pulumi` commands: our CLI and this Node first on PATH, state in `stateDir`, passphrase secrets,
 * nothing that reaches the network. PULUMI_BUSINESSCENTRAL_PROVIDER is removed so resolution is tested as users get it.
 */
export function cliEnv(stateDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  mkdirSync(join(stateDir, ".pulumi-home"), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [PULUMI_BIN, dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
    PULUMI_BACKEND_URL: `file://${resolve(stateDir)}`,
    PULUMI_HOME: join(resolve(stateDir), ".pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: "local-emulator-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
    ...extra,
  };
  delete env.PULUMI_BUSINESSCENTRAL_PROVIDER;
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  return env;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout + stderr, in arrival order. */
  output: string;
}

/** Runs a command; `input` goes to stdin (used for secrets, so they never appear on a command line). */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; echo?: (chunk: string) => void; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((ok, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let output = "";
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 10 * 60_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      output += d;
      options.echo?.(d.toString());
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      output += d;
      options.echo?.(d.toString());
    });
    child.once("error", fail);
    child.once("close", (code) => {
      clearTimeout(timer);
      ok({ code: code ?? 1, stdout, stderr, output });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Connection settings of a running emulator, as users set them with `pulumi config set businesscentral:*`. */
export interface Connection {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  environment: string;
  authorityHost: string;
  baseUrl: string;
  caCertPath: string;
}

/** `[key, value, secret]` for each `pulumi config set` a user types for the emulator. */
export function connectionConfig(c: Connection): [string, string, boolean][] {
  return [
    ["businesscentral:tenantId", c.tenantId, false],
    ["businesscentral:clientId", c.clientId, false],
    ["businesscentral:clientSecret", c.clientSecret, true],
    ["businesscentral:environment", c.environment, false],
    ["businesscentral:authorityHost", c.authorityHost, false],
    ["businesscentral:apiBaseUrl", c.baseUrl, false],
    ["businesscentral:caCertPath", c.caCertPath, false],
  ];
}

/** Args (and stdin) for one `pulumi config set`; secrets are read from stdin. */
export function configSetArgs(key: string, value: string, secret: boolean): { args: string[]; input?: string } {
  return secret ? { args: ["config", "set", "--secret", key], input: value } : { args: ["config", "set", key, value] };
}

/** What `npm pack` needs from the working tree: the package's sources, its build configuration and shipped docs. */
const PACK_INPUTS = [
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "README.md",
  "LICENSE",
  "CHANGELOG.md",
  "sdk",
  "provider",
  "formats",
  "docs",
  "scripts/prune-dist.cjs",
];

/**
 * `npm pack` of the working tree into `dest`, as on a clean clone: the package's inputs are copied into a staging
 * folder (without dist/) that borrows the repository's node_modules, and npm's prepack builds there. The shared
 * dist/ is never touched, so tests reading it can run alongside. Returns the tarball path.
 */
export function packTarball(dest: string): string {
  mkdirSync(dest, { recursive: true });
  const stage = join(dest, "stage");
  for (const input of PACK_INPUTS) {
    const from = join(REPO_ROOT, input);
    if (existsSync(from)) cpSync(from, join(stage, input), { recursive: true });
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(stage, "node_modules"), "dir");
  let out: string;
  try {
    out = execFileSync("npm", ["pack", "--json", "--pack-destination", dest], {
      cwd: stage,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`npm pack failed (its prepack builds the package):\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  const info = JSON.parse(out.slice(out.indexOf("["))) as { filename: string }[];
  return join(dest, info[0].filename);
}

/** The TypeScript program a user adds to an existing infrastructure repository (the README's program). */
export const CONSUMER_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

const config = new pulumi.Config();

const company = new bc.Company("contoso", {
  displayName: config.get("companyName") ?? "Contoso Ltd.",
});

const access = new bc.PermissionSetAssignment("joe-full-access", {
  userName: config.require("userName"),
  roleId: config.get("roleId") ?? "D365 BUS FULL ACCESS",
  company: company.name,
});

export const companyId = company.companyId;
export const companyName = company.name;
export const assignmentId = access.assignmentId;
`;

/**
 * Writes a consumer project into `dir` (package.json with the tarball and `@pulumi/pulumi@<version>`, tsconfig,
 * Pulumi.yaml, index.ts) and installs it with npm. Falls back to npm's cache when the registry is unreachable.
 */
export async function createConsumer(
  dir: string,
  tarball: string,
  options: { pulumiVersion?: string; typescriptVersion?: string } = {},
): Promise<CommandResult> {
  mkdirSync(dir, { recursive: true });
  const repoTs = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/typescript/package.json"), "utf8")).version;
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify(
      {
        name: "infra",
        private: true,
        main: "index.ts",
        dependencies: {
          "@pulumi/pulumi": options.pulumiVersion ?? "latest",
          "pulumi-businesscentral": `file:${tarball}`,
        },
        devDependencies: { typescript: options.typescriptVersion ?? repoTs, "@types/node": "^24" },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          outDir: "bin",
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          sourceMap: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["index.ts"],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    "name: infra\ndescription: An existing infrastructure project that adds Business Central\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
  );
  writeFileSync(join(dir, "index.ts"), CONSUMER_PROGRAM);
  const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter) };
  const args = ["install", "--no-audit", "--no-fund", "--no-update-notifier"];
  const first = await run("npm", args, { cwd: dir, env });
  if (first.code === 0) return first;
  const offline = await run("npm", [...args, "--offline"], { cwd: dir, env });
  if (offline.code !== 0)
    throw new Error(`npm install failed online and from the cache:\n${first.output}\n---\n${offline.output}`);
  return offline;
}

/** Every installed copy of a package under `dir/node_modules` (nested ones included), as package.json paths. */
export function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    const own = join(nm, name, "package.json");
    if (existsSync(own)) found.push(own);
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith(".")) continue;
      const names = entry.startsWith("@") ? readdirSync(join(nm, entry)).map((s) => join(entry, s)) : [entry];
      for (const n of names) walk(join(nm, n, "node_modules"));
    }
  };
  walk(join(dir, "node_modules"));
  return found;
}

/**
 * The `config:` values an example's Pulumi.yaml sets (`  <ns>:<key>:\n    value: <v>` entries only), for the inline
 * Automation API runs, which do not read Pulumi.yaml. Keeps the emulator sample data in one place.
 */
export function exampleProjectConfig(example: string): Record<string, { value: string }> {
  const text = readFileSync(join(REPO_ROOT, "examples", example, "Pulumi.yaml"), "utf8");
  const section = text.split(/^config:\s*$/m)[1] ?? "";
  const out: Record<string, { value: string }> = {};
  for (const m of section.matchAll(/^ {2}([\w-]+:[\w-]+):\s*\n {4}value:\s*(.+)$/gm))
    out[m[1]] = { value: m[2].trim() };
  return out;
}
