import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EmulatorState } from "./model";

const FILE = "state.json";

/**
 * Keeps the emulator's state in memory and, when a state directory is given, on disk: written atomically
 * after every request that changed something, read back on the next start.
 */
export class StateStore {
  private dirty = false;

  constructor(
    private current: EmulatorState,
    private readonly dir: string | undefined,
  ) {}

  /** Loads persisted state from `dir` if present, else starts from `initial`. */
  static open(dir: string | undefined, initial: () => EmulatorState): StateStore {
    if (dir) {
      const file = join(dir, FILE);
      if (existsSync(file)) {
        const saved = JSON.parse(readFileSync(file, "utf8")) as EmulatorState;
        if (saved.version === 1) return new StateStore(saved, dir);
      }
    }
    const store = new StateStore(initial(), dir);
    store.markChanged();
    store.flush();
    return store;
  }

  get state(): EmulatorState {
    return this.current;
  }

  replace(next: EmulatorState) {
    this.current = next;
    this.markChanged();
    this.flush();
  }

  markChanged() {
    this.dirty = true;
  }

  /** Writes the state if it changed since the last write (temp file + rename, so a crash never truncates it). */
  flush() {
    if (!this.dirty || !this.dir) return;
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(this.current));
    renameSync(`${file}.tmp`, file);
    this.dirty = false;
  }
}
