/**
 * The engine-gone watchdog of the dynamic-provider process. When the Pulumi engine dies (kill -9, a cancelled CI
 * job), its provider process is orphaned: stdout is a broken pipe and Pulumi's own uncaughtException handler logs to
 * it, which throws again, in a loop that burns a core. Once loaded, the provider notices the engine is gone (EPIPE
 * on stdout/stderr, or the parent process exits) and exits after the operations in flight end or `graceMs` passes,
 * so a create already sent to BC is still followed to its answer (and recorded in the intent journal).
 */
import { readFileSync } from "node:fs";

export interface WatchdogOptions {
  /** How often the parent is checked (default 1 s). */
  pollMs?: number;
  /** How long operations in flight may still run once the engine is gone (default 60 s). */
  graceMs?: number;
  /** Called instead of `process.exit` (tests). */
  exit?: (code: number) => void;
  /** Where to say why the process exits (stderr is likely gone too; default: nowhere). */
  log?: (message: string) => void;
}

/** The operations in flight of one provider runtime, and the watchdog that waits for them when the engine is gone. */
export class EngineWatchdog {
  private inFlight = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private installed = false;

  /** Counts an operation (a handler call) as in flight until it settles. */
  async track<T>(run: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await run();
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  operationsInFlight(): number {
    return this.inFlight;
  }

  private whenIdle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((wake) => this.idleWaiters.push(wake));
  }

  /** Starts watching the engine (once; returns false when it was started already). */
  install(options: WatchdogOptions = {}): boolean {
    if (this.installed) return false;
    this.installed = true;
    const { pollMs = 1_000, graceMs = 60_000, exit = (code: number) => process.exit(code), log = () => {} } = options;
    const watched = engineChain();
    let leaving = false;

    const leave = (why: string) => {
      if (leaving) return;
      leaving = true;
      clearInterval(timer);
      log(`pulumi-businesscentral: ${why}; exiting after ${this.inFlight} operation(s) in flight end`);
      const deadline = setTimeout(() => exit(0), graceMs);
      deadline.unref();
      void this.whenIdle().then(() => {
        clearTimeout(deadline);
        exit(0);
      });
    };

    // A listener turns a broken pipe into an event instead of an uncaught exception (Pulumi's handler would loop).
    const onPipeError = (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED" || err.code === "ECONNRESET")
        leave(`the engine's pipe is closed (${err.code})`);
    };
    process.stdout.on("error", onPipeError);
    process.stderr.on("error", onPipeError);
    // Pulumi's uncaughtException handler writes to the broken pipe and throws again; stop at the first broken pipe.
    process.prependListener("uncaughtException", (err: NodeJS.ErrnoException) => {
      if (err?.code === "EPIPE" || err?.code === "ERR_STREAM_DESTROYED")
        leave(`a write to the engine failed (${err.code})`);
    });

    const timer = setInterval(() => {
      const broken = watched.find((link) => !alive(link.pid) || parentOf(link.pid) !== link.parent);
      if (broken) leave(`the engine is gone (process ${broken.pid} exited or lost its parent ${broken.parent})`);
    }, pollMs);
    timer.unref();
    return true;
  }
}

interface Link {
  pid: number;
  parent: number | undefined;
}

/**
 * The processes between us and the engine: our parent, and when that is the `sh` wrapper Pulumi starts the plugin
 * through (`pulumi-resource-pulumi-nodejs`), the wrapper's parent too. A link whose process exits or is re-parented
 * means the engine is gone. Re-parenting is read from /proc (Linux); elsewhere only exits and broken pipes count.
 */
function engineChain(): Link[] {
  const chain: Link[] = [{ pid: process.ppid, parent: parentOf(process.ppid) }];
  const wrapper = commandOf(process.ppid);
  const grandparent = chain[0]!.parent;
  if (wrapper && /^(sh|dash|bash|ash)$/.test(wrapper) && grandparent && grandparent > 1)
    chain.push({ pid: grandparent, parent: parentOf(grandparent) });
  return chain;
}

function procStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
}

/** The parent pid from /proc/<pid>/stat ("pid (comm) state ppid …"), undefined where /proc is missing. */
function parentOf(pid: number): number | undefined {
  const stat = procStat(pid);
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields ? Number(fields[1]) : undefined;
}

function commandOf(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat ? stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether this process is Pulumi's dynamic-provider plugin (not a test or a program that imports the provider). */
export function isDynamicProviderProcess(): boolean {
  return process.argv.some((arg) => /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(arg));
}
