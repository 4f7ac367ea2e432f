/**
 * No module of provider/, emulator/, sdk/ or formats/ imports itself back, through any chain of relative imports:
 * static, type-only (`import type`, `import("…")` in a type) and dynamic `import()` alike. A cycle means two modules
 * own one concept between them; this test names every cycle with its path so the fix is to move the shared part down.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const FOLDERS = ["provider", "emulator", "sdk", "formats"];

describe("import cycles", () => {
  it("there are none in provider/, emulator/, sdk/ or formats/", () => {
    const files = new Map<string, string>();
    for (const folder of FOLDERS) {
      for (const path of typeScriptFiles(join(ROOT, folder)))
        files.set(relative(ROOT, path), readFileSync(path, "utf8"));
    }
    expect(files.size).toBeGreaterThan(100);
    expect(findCycles(files)).toEqual([]);
  });

  it("the check finds a cycle through a type-only import, a re-export and an import type", () => {
    const files = new Map([
      ["a/one.ts", `import type { Two } from "./two";\nexport interface One { two?: Two }`],
      ["a/two.ts", `export * from "../b";\nexport interface Two {}`],
      ["b/index.ts", `export type Three = import("../a/one.js").One;`],
      ["b/alone.ts", `import { x } from "node:fs";`],
    ]);
    expect(findCycles(files)).toEqual(["a/one.ts -> a/two.ts -> b/index.ts -> a/one.ts"]);
  });
});

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return typeScriptFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Every strongly connected group of modules, each shown as one cycle through it (`a -> b -> a`). */
function findCycles(files: ReadonlyMap<string, string>): string[] {
  const edges = new Map<string, string[]>();
  for (const [path, text] of files) {
    const imported = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    edges.set(
      path,
      imported.flatMap((specifier) => {
        const target = resolveRelative(path, specifier, files);
        return target ? [target] : [];
      }),
    );
  }
  return stronglyConnected(edges)
    .filter((group) => group.length > 1 || (edges.get(group[0] as string) ?? []).includes(group[0] as string))
    .map((group) => cycleThrough(group, edges).join(" -> "))
    .sort();
}

/** `./x`, `./x.js` or `./x/index` from `from`, as a key of `files`; undefined for packages and node: modules. */
function resolveRelative(from: string, specifier: string, files: ReadonlyMap<string, string>): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = join(dirname(from), specifier).replace(/\.js$/, "");
  return [`${base}.ts`, join(base, "index.ts")].find((candidate) => files.has(candidate));
}

/** Tarjan's algorithm. */
function stronglyConnected(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      groups.push(group.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return groups;
}

/** The shortest cycle from the group's first module back to itself, staying inside the group. */
function cycleThrough(group: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const members = new Set(group);
  const start = group[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const next of edges.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at) as string) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
