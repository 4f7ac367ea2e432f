/**
 * Request economy against the emulator over real HTTPS, through the resource handlers as the engine calls them:
 * how many requests each phase of a small stack sends (3 users × 2 permission set assignments + 1 company), and that
 * the shared reads behind those counts never answer with something a write has changed.
 *
 * Each phase starts with fresh provider caches, as each `pulumi` command starts a new dynamic-provider process.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import type { EnvironmentState } from "../../emulator/state/model";
import { companyHandler as companyHandlerDefinition } from "../../provider/resources/company";
import { connectionFor } from "../../provider/resources/framework/context";
import type { ResourceHandler } from "../../provider/resources/framework/handler";
import { permissionSetAssignmentHandler } from "../../provider/resources/permission-set-assignment";
import { emulatorStackConfig, resetProviderCaches, startTestEmulator, testRuntime, useRuntime } from "./helpers/emu";

const companyHandler = companyHandlerDefinition.withRuntime(testRuntime);
const psa = permissionSetAssignmentHandler.withRuntime(testRuntime);

let emu: RunningEmulator;
let config: Record<string, string>;

beforeAll(async () => {
  emu = await startTestEmulator();
  config = emulatorStackConfig(emu);
  useRuntime(config);
});
afterAll(async () => {
  resetProviderCaches();
  await emu.stop();
});
beforeEach(() => resetProviderCaches());

const env = (): EnvironmentState => emu.state().tenants[0]!.environments.find((e) => e.name === "production")!;

/** API requests (not token requests) since the last call, as `METHOD first-path-segment-after-company` counts. */
function apiRequests() {
  const served = emu.requests().filter((r) => r.path.startsWith("/v2.0/"));
  emu.clearRequests();
  const byKind: Record<string, number> = {};
  for (const r of served) {
    const entity = r.path.replace(/^.*\/automation\/v2\.0\//, "").replace(/^companies\([^)]*\)\//, "");
    const collection = entity.split(/[(/?]/)[0] ?? "";
    const key = `${r.method} ${collection}`;
    byKind[key] = (byKind[key] ?? 0) + 1;
  }
  return { total: served.length, byKind, served };
}

interface Created {
  handler: ResourceHandler;
  id: string;
  outs: Record<string, unknown>;
  inputs: Record<string, unknown>;
}

async function checked(handler: ResourceHandler, news: Record<string, unknown>) {
  const result = await handler.check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

const USERS = ["MEGAN", "ALEX", "ISAIAH"];
const ROLES = ["D365 READ", "D365 BUS FULL ACCESS"];

async function stackInputs() {
  const all: { handler: ResourceHandler; inputs: Record<string, unknown> }[] = [];
  all.push({ handler: companyHandler, inputs: await checked(companyHandler, { displayName: "Economy Test Co" }) });
  for (const userName of USERS) {
    for (const roleId of ROLES) all.push({ handler: psa, inputs: await checked(psa, { userName, roleId }) });
  }
  return all;
}

describe("requests per phase on a small stack (1 company + 3 users × 2 assignments)", () => {
  let stack: Created[] = [];

  it("preview: check reads each shared collection once (one token); diff sends nothing", async () => {
    emu.clearRequests();
    await stackInputs();
    const tokens = emu.requests().filter((r) => r.path.includes("/oauth2/")).length;
    expect(apiRequests().byKind).toEqual({
      "GET companies": 1, // the token and the environment (preview-checks.ts), and the company for URLs
      "GET users": 1, // the users named
      "GET permissionSets": 1, // the roleIds
    });
    expect(tokens).toBe(1);
  });

  it("up (check, then create, in one process): the checks' reads serve the creates too", async () => {
    resetProviderCaches();
    const planned = await stackInputs();
    stack = await Promise.all(
      planned.map(async ({ handler, inputs }) => {
        const { id, outs } = await handler.create(inputs);
        return { handler, id, outs: outs as Record<string, unknown>, inputs };
      }),
    );
    const up = apiRequests();
    expect(up.byKind).toEqual({
      "GET companies": 1, // the shared companies read (also gives the company for URLs)
      "GET automationCompanies": 1, // Company: is the name taken?
      "GET users": 1, // users with their assignments (`$expand=userPermissions`)
      "GET permissionSets": 1,
      "POST automationCompanies": 1,
      "POST users": 6, // users(…)/userPermissions
    });
    expect(up.served.filter((r) => r.path.includes("/users") && r.method === "GET").length).toBe(1);
    expect(up.total).toBe(stack.length + 4); // one write per resource + four shared reads, whatever N is
  });

  it("no-op up: check of every resource costs one token and one read per collection; diff sends nothing", async () => {
    resetProviderCaches();
    emu.clearRequests();
    for (const r of stack) {
      const news = await checked(r.handler, r.inputs);
      const diff = await r.handler.diff(r.id, r.outs, news);
      expect(diff.changes).toBe(false);
    }
    const tokens = emu.requests().filter((r) => r.path.includes("/oauth2/")).length;
    expect(apiRequests().byKind).toEqual({ "GET companies": 1, "GET users": 1, "GET permissionSets": 1 });
    expect(tokens).toBe(1);
  });

  it("refresh reads the users (with assignments) once for all assignments", async () => {
    const reads = await Promise.all(stack.map((r) => r.handler.read(r.id, { __provider: "x", ...r.outs })));
    expect(reads.every((r, i) => r.id === stack[i]!.id)).toBe(true);
    const refresh = apiRequests();
    expect(refresh.byKind).toEqual({ "GET users": 1, "GET automationCompanies": 1, "GET companies": 1 });
  });

  it("up --refresh: the checks after the refresh reuse its reads (only permission sets are new)", async () => {
    await Promise.all(stack.map((r) => r.handler.read(r.id, { __provider: "x", ...r.outs })));
    apiRequests();
    for (const r of stack) await checked(r.handler, r.inputs);
    expect(apiRequests().byKind).toEqual({ "GET permissionSets": 1 });
  });

  it("destroy sends one DELETE per resource", async () => {
    await Promise.all(stack.map((r) => r.handler.delete(r.id, { __provider: "x", ...r.outs })));
    const destroy = apiRequests();
    expect(destroy.byKind).toEqual({
      "GET companies": 1, // the company for URLs (and the other company to delete through)
      "DELETE users": 6,
      "DELETE automationCompanies": 1,
    });
    expect(env().companies.some((c) => c.displayName === "Economy Test Co")).toBe(false);
  });
});

describe("shared reads never outlive a write", () => {
  const megan = () =>
    env()
      .users.find((u) => u.userName === "MEGAN")!
      .userSecurityId.toLowerCase();

  it("refresh reads share the command's load: changes made in BC before the command are seen", async () => {
    const inputs = await checked(psa, { userName: "MEGAN", roleId: "D365 READ" });
    const { id, outs } = await psa.create(inputs);
    testRuntime().startCommand(); // `pulumi refresh`: a new command (each starts its own provider process)
    expect((await psa.read(id, outs)).id).toBe(id);
    apiRequests();
    emu.mutate(() => {
      env().accessControls.find((ac) => ac.id === id)!.company = "My Company";
    });
    // Within the command, reads are served from the load it began with (the documented trade-off).
    expect((await psa.read(id, outs)).inputs).toMatchObject({ company: "" });
    expect(apiRequests().total).toBe(0);
    testRuntime().startCommand(); // the next command sees the change
    expect((await psa.read(id, outs)).inputs).toMatchObject({ company: "My Company" }); // changed
    emu.mutate(() => {
      env().accessControls = env().accessControls.filter((ac) => ac.id !== id);
    });
    testRuntime().startCommand();
    expect(await psa.read(id, outs)).toEqual({ id: "", props: {} }); // deleted
  });

  it("interleaved creates, deletes and refreshes: each answer matches BC", async () => {
    const one = await psa.create(await checked(psa, { userName: "ALEX", roleId: "D365 READ" }));
    const two = await psa.create(await checked(psa, { userName: "ALEX", roleId: "D365 BUS FULL ACCESS" }));
    const againInputs = await checked(psa, { userName: "ALEX", roleId: "D365 READ" });
    // Delete one while reading both and re-creating what is being deleted; then read everything again.
    const [, readTwo] = await Promise.all([psa.delete(one.id, one.outs), psa.read(two.id, two.outs)]);
    expect(readTwo.id).toBe(two.id);
    const again = await psa.create(againInputs); // the shared read must know `one` is gone: a POST, no refusal
    expect(again.id).not.toBe(one.id);
    const after = await Promise.all([
      psa.read(one.id, one.outs),
      psa.read(two.id, two.outs),
      psa.read(again.id, again.outs),
    ]);
    expect(after.map((r) => r.id)).toEqual(["", two.id, again.id]);
    const rows = env().accessControls.filter((ac) => ac.userSecurityId.toLowerCase() === alex());
    expect(rows.map((r) => r.id).sort()).toEqual([two.id, again.id].sort());
    await Promise.all([psa.delete(two.id, two.outs), psa.delete(again.id, again.outs)]);
  });

  it("an assignment created while the shared read is in flight is in the snapshot when it lands", async () => {
    const automation = connectionFor(testRuntime(), {}).automation;
    const loading = automation.snapshots.users(); // in flight
    const created = await psa.create(await checked(psa, { userName: "MEGAN", roleId: "D365 BUS FULL ACCESS" }));
    const holder = (await loading).get(megan())!;
    expect(holder.permissions!.has(created.id.toLowerCase())).toBe(true);
    await psa.delete(created.id, created.outs);
    const later = (await automation.snapshots.users()).get(megan())!;
    expect(later.permissions!.has(created.id.toLowerCase())).toBe(false);
  });

  it("an existing grant the snapshot missed reaches BC's duplicate-key answer, not a second row", async () => {
    const automation = connectionFor(testRuntime(), {}).automation;
    await automation.snapshots.users(); // loaded before the grant exists
    const made = await automation.userPermissions.create({ userSecurityId: megan() }, { roleId: "D365 READ" });
    automation.snapshots.permissionRemoved({ userSecurityId: megan() }, made.id); // as if made elsewhere
    const err = await psa.create(await checked(psa, { userName: "MEGAN", roleId: "D365 READ" })).catch((e) => e);
    expect(String(err)).toMatch(/EntityWithSameKeyExists|already exists/);
    expect(
      env().accessControls.filter((ac) => ac.roleId === "D365 READ" && ac.userSecurityId.toLowerCase() === megan()),
    ).toHaveLength(1);
    await automation.userPermissions.delete({ userSecurityId: megan() }, made.id);
  });

  it("deleting a company drops the shared reads it touches", async () => {
    const company = await companyHandler.create(await checked(companyHandler, { displayName: "Economy Drop Co" }));
    const automation = connectionFor(testRuntime(), {}).automation;
    const withCompany = await automation.companies.list();
    expect(withCompany.some((c) => c.id === company.id)).toBe(true);
    await companyHandler.delete(company.id, company.outs);
    expect((await automation.companies.list()).some((c) => c.id === company.id)).toBe(false);
    expect((await automation.automationCompanies.list()).some((c) => c.id === company.id)).toBe(false);
  });
});

const alex = () =>
  env()
    .users.find((u) => u.userName === "ALEX")!
    .userSecurityId.toLowerCase();
