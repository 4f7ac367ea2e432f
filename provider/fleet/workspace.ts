/**
 * The Pulumi project a fleet runs on, through Pulumi's Automation API: a `LocalWorkspace` on the project folder
 * (the user's own program, run by the `pulumi` CLI on PATH), one `Stack` per tenant, each with its own config.
 *
 * `@pulumi/pulumi` is a peer dependency, and only `fleet` needs its Automation API, so it is loaded here, when a
 * fleet command runs, from the copy the project installed.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StackDriver } from "./runner";

type Automation = typeof import("@pulumi/pulumi/automation");
type Workspace = import("@pulumi/pulumi/automation").LocalWorkspace;

/** A problem with the project or the tools (no Pulumi.yaml, no CLI, no backend): the run cannot start. */
export class FleetSetupError extends Error {}
/** The folder given is no Pulumi project: a usage error. */
export class NotAProjectError extends FleetSetupError {}

export interface FleetProject {
  name: string;
  /** The stacks of the project in the current backend, by the names `--stacks` takes. */
  stacks: string[];
  driver: StackDriver;
}

function loadAutomation(): Automation {
  try {
    return require("@pulumi/pulumi/automation") as Automation;
  } catch (err) {
    throw new FleetSetupError(
      `fleet runs the stacks through @pulumi/pulumi's Automation API, which could not be loaded (${(err as Error).message.split("\n")[0]}). Install it in the Pulumi project: npm install @pulumi/pulumi`,
    );
  }
}

export async function openProject(dir: string, env: NodeJS.ProcessEnv): Promise<FleetProject> {
  if (!["Pulumi.yaml", "Pulumi.yml"].some((f) => existsSync(join(dir, f))))
    throw new NotAProjectError(
      `${dir} is not a Pulumi project (no Pulumi.yaml): run fleet in it or pass --cwd <project>.`,
    );
  const auto = loadAutomation();
  let workspace: Workspace;
  try {
    workspace = await auto.LocalWorkspace.create({ workDir: dir, envVars: stringEnv(env) });
  } catch (err) {
    throw new FleetSetupError(`the pulumi CLI could not be started: ${firstLine(err)}. Install it and put it on PATH.`);
  }
  // Stack.select would run `pulumi stack select`, changing the user's current stack (and racing between parallel
  // runs); every operation passes `--stack` anyway, and the names come from `stack ls`, so nothing needs checking.
  workspace.selectStack = async () => {};
  let names: string[];
  try {
    names = (await workspace.listStacks()).map((s) => s.name);
  } catch (err) {
    throw new FleetSetupError(`could not list the project's stacks (pulumi stack ls): ${firstLine(err)}`);
  }
  const project = (await workspace.projectSettings()).name;
  const stacks = displayNames(names);
  const byDisplay = new Map(stacks.map((s, i) => [s, names[i]!]));
  const driver: StackDriver = async (stack, operation, onEvent, { refresh }) => {
    const selected = await auto.Stack.select(byDisplay.get(stack) ?? stack, workspace);
    const options = { onEvent: onEvent as (event: unknown) => void, color: "never" as const, refresh };
    if (operation === "preview") await selected.preview(options);
    else if (operation === "drift") await selected.preview({ ...options, refresh: true });
    else if (operation === "up") await selected.up(options);
    else if (operation === "refresh") await selected.refresh({ onEvent: options.onEvent, color: "never" });
    else await selected.destroy(options);
  };
  return { name: project, stacks, driver };
}

/**
 * Backends name stacks `org/project/stack` or just `stack`; within one project the last part is what people type,
 * so it is used wherever it is unique.
 */
export function displayNames(names: string[]): string[] {
  const short = names.map((n) => n.slice(n.lastIndexOf("/") + 1));
  return short.map((s, i) => (short.indexOf(s) === short.lastIndexOf(s) ? s : names[i]!));
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
}

const firstLine = (err: unknown) => {
  const e = err as { commandResult?: { stderr?: string }; message?: string };
  const text = (e.commandResult?.stderr?.trim() || e.message || String(err)).trim();
  return text.split("\n").find((l) => l.trim()) ?? text;
};
