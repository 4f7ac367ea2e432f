/**
 * Create intents and claims (framework/intents.ts, framework/claims.ts): a resource takes back an object it created
 * in an interrupted run without adopt; anything else is refused, naming who made it; two Company resources whose
 * display names share their first 30 characters are refused even with adopt.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import { companyHandler } from "../../../provider/resources/company";
import { IntentJournal, journalDir, MAX_AGE_MS } from "../../../provider/resources/framework/intents";
import { permissionSetAssignmentHandler } from "../../../provider/resources/permission-set-assignment";
import { emulatorStackConfig, resetProviderCaches, startTestEmulator, testRuntime, useRuntime } from "../helpers/emu";

const h = companyHandler.withRuntime(testRuntime);
const psa = permissionSetAssignmentHandler.withRuntime(testRuntime);

let emu: RunningEmulator;
let dir: string;
const owner = (name: string) => `proj/dev/Company/${name}`;
const companies = (name: string) =>
  emu
    .state()
    .tenants[0]!.environments.find((e) => e.name === "production")!
    .companies.filter((c) => c.name === name);
const checked = async (news: Record<string, unknown>) => {
  const result = await h.check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
};

beforeAll(async () => {
  emu = await startTestEmulator();
  dir = mkdtempSync(join(tmpdir(), "bc-intents-"));
  useRuntime(emulatorStackConfig(emu), { journal: new IntentJournal(dir) });
});
afterAll(async () => {
  resetProviderCaches();
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("taking back what an interrupted run created", () => {
  it("the same owner recovers its company (not adopted: destroy deletes it); no duplicate", async () => {
    const first = await h.create(await checked({ displayName: "Recovered Co", owner: owner("a") }));
    // The engine never recorded `first` (killed): the next run creates again with the same inputs.
    const again = await h.create(await checked({ displayName: "Recovered Co", owner: owner("a") }));
    expect(again.id).toBe(first.id);
    expect(again.outs).toMatchObject({ adopted: false });
    expect(companies("Recovered Co")).toHaveLength(1);
    await h.delete(again.id, again.outs);
    expect(companies("Recovered Co")).toHaveLength(0);
    // Deleted: the intent is gone, so a company made by hand under that name later is not taken back.
    await h.create(await checked({ displayName: "Recovered Co", owner: owner("hand") }));
    await expect(h.create(await checked({ displayName: "Recovered Co", owner: owner("a") }))).rejects.toThrow(
      /It was created by proj\/dev\/Company\/hand/,
    );
  });

  it("another owner, or no owner, is refused; the message suggests adopt only for objects made outside Pulumi", async () => {
    await h.create(await checked({ displayName: "Owned Co", owner: owner("b") }));
    const err = await h.create(await checked({ displayName: "Owned Co", owner: owner("c") })).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/already exists.*created by proj\/dev\/Company\/b.*not set adopt: true/);
    const noOwner = await h.create(await checked({ displayName: "Owned Co" })).catch((e: Error) => e);
    expect((noOwner as Error).message).toMatch(/If it was made outside Pulumi.*set adopt: true/);
  });

  it("displayNames sharing their first 30 characters: the refusal explains BC's rule, and adopt does not override it", async () => {
    const long = "Contoso Consolidated Holdings International";
    await h.create(await checked({ displayName: `${long} A`, owner: owner("long-a") }));
    const refusal = (await h
      .create(await checked({ displayName: `${long} B`, owner: owner("long-b"), adopt: true }))
      .catch((e: Error) => e)) as Error;
    expect(refusal.message).toMatch(/first 30 characters of displayName.*both become 'Contoso Consolidated Holdings '/);
    expect(refusal.message).toMatch(/created by proj\/dev\/Company\/long-a/);
    expect(companies(long.slice(0, 30))).toHaveLength(1);
  });

  it("an intent older than the maximum age proves nothing", () => {
    const journal = new IntentJournal(join(dir, "aged"));
    journal.begin("o", "Company", "t/e", "k");
    expect(journal.created("o", "Company", "t/e", "k", "any-id")).toBe(true);
    expect(journal.created("o", "Company", "t/e", "k", "any-id", Date.now() + MAX_AGE_MS + 1)).toBe(false);
    journal.complete("o", "Company", "t/e", "k", "id-1");
    expect(journal.created("o", "Company", "t/e", "k", "id-2")).toBe(false);
    journal.forget("o", "Company", "id-1");
    expect(journal.created("o", "Company", "t/e", "k", "id-1")).toBe(false);
  });

  it("lives where the next run finds it: the env var, else beside a file backend, else Pulumi's home", () => {
    expect(journalDir({ PULUMI_BUSINESSCENTRAL_JOURNAL: "/ci/cache/bc" })).toBe("/ci/cache/bc");
    expect(journalDir({ PULUMI_BACKEND_URL: "file:///srv/state" })).toBe("/srv/state/.pulumi/businesscentral/intents");
    expect(journalDir({ PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_HOME: "/h" })).toBe(
      "/h/businesscentral/intents",
    );
  });
});

describe("PermissionSetAssignment: a grant that existed before the stack", () => {
  it("survives the stack's up (refused) and destroy (adopted, left in place)", async () => {
    const env = () => emu.state().tenants[0]!.environments.find((e) => e.name === "production")!;
    const joe = env().users.find((u) => u.userName === "JOE")!.userSecurityId;
    const byHand = env().accessControls.find((a) => a.userSecurityId === joe && a.roleId === "D365 BASIC")!;
    const inputs = (
      await psa.check(
        {},
        { __provider: "x", userName: "JOE", roleId: "D365 BASIC", owner: "p/s/PermissionSetAssignment/joe" },
      )
    ).inputs as Record<string, unknown>;
    await expect(psa.create(inputs)).rejects.toThrow(/already exists/);
    const adopted = await psa.create({ ...inputs, adopt: true });
    await psa.delete(adopted.id, adopted.outs);
    expect(env().accessControls.some((a) => a.id === byHand.id)).toBe(true);
  });
});
