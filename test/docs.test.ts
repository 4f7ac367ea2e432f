/**
 * The docs match the code:
 * - every relative link in README.md resolves to a file the package ships (`npm pack --dry-run --json`: the README
 *   is read on the package's page and in node_modules), every relative link in docs/ to a file of the repository,
 *   and a `#fragment` to a heading of the linked Markdown file;
 * - every ```ts block of README.md and docs/ type-checks against the SDK's sources with the TypeScript compiler API,
 *   after a fixed prelude (`import * as pulumi …; import * as bc from "pulumi-businesscentral";`). A block marked
 *   ```ts skip-typecheck is skipped (for fragments and other packages' APIs).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../scripts/lib/cli";

const PRELUDE = ['import * as pulumi from "@pulumi/pulumi";', 'import * as bc from "pulumi-businesscentral";'];
const SKIP_MARKER = "skip-typecheck";

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith(".md") ? [path] : [];
    });
  return [join(REPO_ROOT, "README.md"), ...walk(join(REPO_ROOT, "docs"))];
}

interface Fence {
  info: string;
  /** 1-based line of the first line inside the fence. */
  line: number;
  text: string;
}

/** Fenced code blocks, and the text with them blanked (so links inside code are not links). */
function splitFences(text: string): { fences: Fence[]; prose: string } {
  const lines = text.split("\n");
  const fences: Fence[] = [];
  const prose: string[] = [];
  let open: { fence: string; info: string; line: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const m = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(line);
    if (!open && m) {
      open = { fence: m[2], info: m[3].trim(), line: i + 2, body: [] };
      prose.push("");
    } else if (open && m?.[2].startsWith(open.fence) && m[3].trim() === "") {
      fences.push({ info: open.info, line: open.line, text: open.body.join("\n") });
      open = undefined;
      prose.push("");
    } else if (open) {
      open.body.push(line);
      prose.push("");
    } else prose.push(line.replace(/`[^`]*`/g, (code) => " ".repeat(code.length)));
  });
  return { fences, prose: prose.join("\n") };
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of splitFences(markdown).prose.split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]
      .replace(/<[^>]+>/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

// Inline links and images: [text](target "title"); targets with a scheme or only a fragment to the same page are
// handled separately.
const LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

function relativeLinks(file: string): { target: string; line: number }[] {
  const { prose } = splitFences(readFileSync(file, "utf8"));
  const out: { target: string; line: number }[] = [];
  prose.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(LINK)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(m[1])) continue;
      out.push({ target: m[1], line: i + 1 });
    }
  });
  return out;
}

/** The package's files, as `npm pack` would ship them (without running its build). */
function packedFiles(): Set<string> {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as { files: { path: string }[] }[];
  return new Set(info.files.map((f) => f.path));
}

function problemsOfLink(file: string, target: string, exists: (repoPath: string) => boolean): string | undefined {
  const [path, fragment] = target.split("#", 2);
  const resolved = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
  const repoPath = relative(REPO_ROOT, resolved);
  if (repoPath.startsWith("..")) return "points outside the repository";
  if (!exists(repoPath)) return `${repoPath} is not there`;
  if (fragment && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(fragment))
    return `${repoPath} has no heading for #${fragment}`;
  return undefined;
}

describe("links", () => {
  it("every relative link in README.md points to a file the package ships", () => {
    const shipped = packedFiles();
    expect(shipped.has("README.md")).toBe(true);
    const readme = join(REPO_ROOT, "README.md");
    const broken = relativeLinks(readme).flatMap(({ target, line }) => {
      const problem = problemsOfLink(
        readme,
        target,
        (p) => shipped.has(p) || [...shipped].some((f) => f.startsWith(`${p}/`)),
      );
      return problem
        ? [`README.md:${line} (${target}): ${problem} in the package; ship it or link its repository address`]
        : [];
    });
    expect(broken).toEqual([]);
  });

  it("every relative link in docs/ points to a file of the repository", () => {
    const broken = markdownFiles()
      .filter((f) => !f.endsWith("README.md"))
      .flatMap((file) =>
        relativeLinks(file).flatMap(({ target, line }) => {
          const problem = problemsOfLink(file, target, (p) => existsSync(join(REPO_ROOT, p)));
          return problem ? [`${relative(REPO_ROOT, file)}:${line} (${target}): ${problem}`] : [];
        }),
      );
    expect(broken).toEqual([]);
  });

  it("finds the links it checks (the scanner itself works)", () => {
    const targets = relativeLinks(join(REPO_ROOT, "README.md")).map((l) => l.target);
    expect(targets).toContain("docs/authentication.md");
    expect(targets.length).toBeGreaterThan(5);
  });
});

interface Block {
  file: string;
  line: number;
  text: string;
}

function typescriptBlocks(): { checked: Block[]; skipped: Block[] } {
  const checked: Block[] = [];
  const skipped: Block[] = [];
  for (const file of markdownFiles()) {
    for (const fence of splitFences(readFileSync(file, "utf8")).fences) {
      const [lang, ...flags] = fence.info.split(/\s+/);
      if (lang !== "ts" && lang !== "typescript") continue;
      (flags.includes(SKIP_MARKER) ? skipped : checked).push({ file, line: fence.line, text: fence.text });
    }
  }
  return { checked, skipped };
}

/** The last program: the next one reuses its parsed SDK and library files. */
let previous: ts.Program | undefined;

/** Type-checks each block as a module of its own; returns `file:line: message` per error, at the Markdown line. */
function typeCheck(blocks: Block[]): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ["node"],
    lib: ["lib.es2023.d.ts"],
    skipLibCheck: true,
    esModuleInterop: true,
    // The SDK (and the emulator's package) as their sources: the docs are checked against this checkout.
    paths: {
      "pulumi-businesscentral": [join(REPO_ROOT, "sdk/index.ts")],
      "pulumi-businesscentral-emulator": [join(REPO_ROOT, "emulator/index.ts")],
    },
  };
  const virtual = new Map<string, { block: Block; text: string; offset: number }>();
  blocks.forEach((block, i) => {
    // A block's own copy of a prelude import would be a duplicate declaration.
    const body = block.text
      .split("\n")
      .map((l) => (PRELUDE.includes(l.trim()) ? "" : l))
      .join("\n");
    const name = join(REPO_ROOT, "test", `.docs-block-${i}.ts`);
    virtual.set(name, { block, text: `${PRELUDE.join("\n")}\n${body}\nexport {};\n`, offset: PRELUDE.length });
  });
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const v = virtual.get(resolve(name));
    return v ? ts.createSourceFile(name, v.text, language) : getSourceFile(name, language, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(resolve(name)) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => virtual.get(resolve(name))?.text ?? readFile(name);
  const program = ts.createProgram([...virtual.keys()], options, host, previous);
  previous = program;
  // The blocks' own errors (and the options'): the SDK's sources are type-checked by `npm run typecheck`.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...virtual.keys()].flatMap((name) => {
      const file = program.getSourceFile(name)!;
      return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    }),
  ];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const v = d.file ? virtual.get(resolve(d.file.fileName)) : undefined;
    if (!d.file || !v) return `${d.file?.fileName ?? "(compiler)"}: ${message}`;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${relative(REPO_ROOT, v.block.file)}:${v.block.line + line - v.offset}: ${message}`;
  });
}

describe("TypeScript blocks", () => {
  it(`every \`\`\`ts block type-checks against the SDK (unless marked ${SKIP_MARKER})`, { timeout: 120_000 }, () => {
    const { checked } = typescriptBlocks();
    expect(checked.length).toBeGreaterThan(5);
    expect(typeCheck(checked)).toEqual([]);
  });

  it("the check fails on a block that does not type-check, at the block's line", { timeout: 120_000 }, () => {
    const bad: Block = {
      file: join(REPO_ROOT, "README.md"),
      line: 10,
      text: 'new bc.Company("x", { displayName: 42 });',
    };
    const errors = typeCheck([bad]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^README\.md:10: .*number.*string/s);
  });
});
