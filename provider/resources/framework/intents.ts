/**
 * The create-intent journal: how the next run recognises an object that an interrupted run of the same stack
 * resource created (docs/reliability.md, "Interrupted runs").
 *
 * A dynamic provider's `create` sees only its inputs, so the SDK passes `owner` (`<project>/<stack>/<Kind>/<name>`).
 * Right before the request that creates an object (a POST that must not be repeated blindly), the provider records
 * "owner O creates <kind> <key> in <tenant>/<environment>"; when the create returns it adds the object's id; when the
 * resource deletes the object the entry goes. A later create that finds an object with the same key takes it back
 * without `adopt` only when its own owner recorded that intent (and, once known, the same id): the object was made
 * by this stack resource, not by a person or another stack. Entries older than `MAX_AGE_MS` never count.
 *
 * One small JSON file per owner and kind, written atomically (temporary file + rename) with synchronous calls, so
 * concurrent creates in the one provider process cannot interleave a read-modify-write.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The environment variable naming the journal directory (e.g. a cached or mounted folder in CI). */
export const JOURNAL_ENV = "PULUMI_BUSINESSCENTRAL_JOURNAL";
/** An intent older than this proves nothing: a person may have made the object since. */
export const MAX_AGE_MS = 7 * 24 * 3_600_000;

export interface IntentEntry {
  /** `<tenant>/<environment>`. */
  scope: string;
  /** The object's natural key, as the resource compares it (e.g. a company name lower-cased). */
  key: string;
  startedAt: string;
  /** Set when the create returned: the object's id. */
  id?: string;
}

interface IntentFile {
  owner: string;
  kind: string;
  entries: IntentEntry[];
}

/** Where the journal lives: $PULUMI_BUSINESSCENTRAL_JOURNAL, else beside a local file backend, else Pulumi's home. */
export function journalDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[JOURNAL_ENV]) return resolve(env[JOURNAL_ENV]);
  const backend = localBackendDir(env);
  if (backend) return join(backend, ".pulumi", "businesscentral", "intents");
  return join(pulumiHome(env), "businesscentral", "intents");
}

function pulumiHome(env: NodeJS.ProcessEnv): string {
  return env.PULUMI_HOME ? resolve(env.PULUMI_HOME) : join(homedir(), ".pulumi");
}

/** The folder of a `file://` backend: PULUMI_BACKEND_URL, else the one `pulumi login` recorded as current. */
function localBackendDir(env: NodeJS.ProcessEnv): string | undefined {
  let url = env.PULUMI_BACKEND_URL;
  if (!url) {
    try {
      const credentials = JSON.parse(readFileSync(join(pulumiHome(env), "credentials.json"), "utf8"));
      url = typeof credentials.current === "string" ? credentials.current : undefined;
    } catch {
      return undefined;
    }
  }
  if (!url?.startsWith("file://")) return undefined;
  const path = url.startsWith("file://~") ? join(homedir(), url.slice("file://~".length)) : fileURLToPath(url);
  return resolve(path);
}

export class IntentJournal {
  constructor(readonly dir: string = journalDir()) {}

  /** Records that `owner` is about to create the object `key` (replacing an older entry for the same key). */
  begin(owner: string, kind: string, scope: string, key: string): void {
    this.change(owner, kind, (entries) => [
      ...entries.filter((e) => !(e.scope === scope && e.key === key)),
      { scope, key, startedAt: new Date().toISOString() },
    ]);
  }

  /** Records the id of the object the create made. */
  complete(owner: string, kind: string, scope: string, key: string, id: string): void {
    this.change(owner, kind, (entries) => entries.map((e) => (e.scope === scope && e.key === key ? { ...e, id } : e)));
  }

  /** Whether `owner` recorded creating `key` (as the object with `id`, or before its id was known), recently. */
  created(owner: string, kind: string, scope: string, key: string, id: string, now = Date.now()): boolean {
    return this.read(owner, kind).entries.some(
      (e) =>
        e.scope === scope &&
        e.key === key &&
        now - Date.parse(e.startedAt) < MAX_AGE_MS &&
        (e.id === undefined || e.id.toLowerCase() === id.toLowerCase()),
    );
  }

  /** The owners (other than `except`) that recorded creating `key`: another resource of the stack, for errors. */
  otherOwners(kind: string, scope: string, key: string, except: string): string[] {
    if (!existsSync(this.dir)) return [];
    const owners: string[] = [];
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith(".json"))) {
      const file = this.parse(join(this.dir, name));
      if (!file || file.kind !== kind || file.owner === except) continue;
      if (file.entries.some((e) => e.scope === scope && e.key === key)) owners.push(file.owner);
    }
    return owners;
  }

  /** Forgets the object `id` (deleted by its resource). */
  forget(owner: string, kind: string, id: string): void {
    this.change(owner, kind, (entries) => entries.filter((e) => e.id?.toLowerCase() !== id.toLowerCase()));
  }

  private path(owner: string, kind: string) {
    const hash = createHash("sha256").update(`${owner}\n${kind}`).digest("hex").slice(0, 32);
    return join(this.dir, `${hash}.json`);
  }

  private read(owner: string, kind: string): IntentFile {
    return this.parse(this.path(owner, kind)) ?? { owner, kind, entries: [] };
  }

  private parse(path: string): IntentFile | undefined {
    try {
      const file = JSON.parse(readFileSync(path, "utf8")) as IntentFile;
      return Array.isArray(file.entries) ? file : undefined;
    } catch {
      return undefined;
    }
  }

  private change(owner: string, kind: string, edit: (entries: IntentEntry[]) => IntentEntry[]) {
    const path = this.path(owner, kind);
    const now = Date.now();
    const entries = edit(this.read(owner, kind).entries).filter((e) => now - Date.parse(e.startedAt) < MAX_AGE_MS);
    if (entries.length === 0) {
      if (existsSync(path)) unlinkSync(path);
      return;
    }
    mkdirSync(this.dir, { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ owner, kind, entries } satisfies IntentFile, null, 2)}\n`, {
      flush: true,
    });
    renameSync(temporary, path);
  }
}
