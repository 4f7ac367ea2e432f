/**
 * The fault matrix of docs/reliability.md, through the resource handlers against the emulator over real HTTPS:
 * each fault is injected into a non-repeatable start or a read, the operation is run as `up` would run it (and once
 * more, as the next `up`, when the first attempt ends in a recorded partial failure), and the emulator's state must
 * then hold exactly one object (no duplicate) and, after delete, none (no orphan). Engine kills: faults-interrupt.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FaultRule, RunningEmulator } from "../../emulator";
import { buildPackageXml, packRapidStart } from "../../formats/rapidstart";
import { AmbiguousOutcomeError } from "../../provider/errors";
import { companyHandler as companyHandlerDefinition } from "../../provider/resources/company";
import { configurationPackageHandler as configurationPackageHandlerDefinition } from "../../provider/resources/configuration-package";
import { IntentJournal } from "../../provider/resources/framework/intents";
import type { ResourceHandler } from "../../provider/resources/framework/handler";
import { permissionSetAssignmentHandler as permissionSetAssignmentHandlerDefinition } from "../../provider/resources/permission-set-assignment";
import {
  emulatorStackConfig,
  resetProviderCaches,
  startTestEmulator,
  testRuntime,
  useRuntime,
} from "../provider/helpers/emu";

const companyHandler = companyHandlerDefinition.withRuntime(testRuntime);
const configurationPackageHandler = configurationPackageHandlerDefinition.withRuntime(testRuntime);
const permissionSetAssignmentHandler = permissionSetAssignmentHandlerDefinition.withRuntime(testRuntime);
import { isInitializationFailure } from "../provider/helpers/partial";

type Props = Record<string, unknown>;
let emu: RunningEmulator;
let work: string;
let packageFile: string;
const production = () => emu.state().tenants[0]!.environments.find((e) => e.name === "production")!;

beforeAll(async () => {
  // Short token lifetime: every row also runs across token expiry (re-acquired mid-run).
  emu = await startTestEmulator({ tokenLifetimeSeconds: 2 });
  work = mkdtempSync(join(tmpdir(), "bc-matrix-"));
  useRuntime({ ...emulatorStackConfig(emu) }, { journal: new IntentJournal(join(work, "intents")) });
  packageFile = join(work, "setup.rapidstart");
  writeFileSync(
    packageFile,
    packRapidStart(
      buildPackageXml({
        code: "MATRIX",
        packageName: "Matrix",
        tables: [{ tableId: 3, tableName: "Payment Terms", records: [{ Code: "7D" }] }],
      }),
    ),
  );
});
afterAll(async () => {
  resetProviderCaches();
  await emu.stop();
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => emu.faults.clear());

/**
 * Runs `up` until it succeeds, at most three times, as a user would: create first; a recorded partial failure makes
 * the next `up` an update of the recorded object; an ambiguous create records nothing, so the next `up` creates again.
 */
async function converge(h: ResourceHandler, news: Props): Promise<{ id: string; outs: Props }> {
  const { inputs, failures } = await h.check({}, { __provider: "x", ...news });
  expect(failures ?? []).toEqual([]);
  let recorded: { id: string; outs: Props } | undefined;
  for (let run = 1; ; run++) {
    try {
      if (!recorded) {
        const created = await h.create(inputs as Props);
        return { id: created.id as string, outs: created.outs as Props };
      }
      const { outs } = await h.update(recorded.id, recorded.outs, inputs as Props);
      return { id: recorded.id, outs: outs as Props };
    } catch (err) {
      if (run >= 3) throw err;
      if (isInitializationFailure(err)) recorded = { id: err.id, outs: err.properties };
      else if (!(err instanceof AmbiguousOutcomeError) && !recorded) throw err;
    }
  }
}

interface Row {
  fault: string;
  rules: FaultRule[];
  handler: () => ResourceHandler;
  inputs: () => Props;
  /** Objects of this row in the emulator. */
  count: () => number;
}

const companyRow = (fault: string, rules: FaultRule[], name: string): Row => ({
  fault,
  rules,
  handler: () => companyHandler,
  inputs: () => ({ displayName: name, owner: `matrix/test/Company/${name}` }),
  count: () => production().companies.filter((c) => c.name === name).length,
});
const grantRow = (fault: string, rules: FaultRule[], user: string): Row => ({
  fault,
  rules,
  handler: () => permissionSetAssignmentHandler,
  inputs: () => ({ userName: user, roleId: "D365 READ", owner: `matrix/test/PermissionSetAssignment/${user}` }),
  count: () => {
    const id = production().users.find((u) => u.userName === user)!.userSecurityId;
    return production().accessControls.filter((a) => a.userSecurityId === id && a.roleId === "D365 READ").length;
  },
});
const packageRow = (fault: string, rules: FaultRule[]): Row => ({
  fault,
  rules,
  handler: () => configurationPackageHandler,
  inputs: () => ({
    companyId: production().companies[0]!.id,
    code: "MATRIX",
    packageName: "Matrix",
    filePath: packageFile,
  }),
  count: () => production().companies[0]!.configurationPackages.filter((p) => p.code === "MATRIX").length,
});

const ROWS: Row[] = [
  companyRow(
    "429 storm with Retry-After on company POST",
    [{ method: "POST", path: "*/automationCompanies", status: 429, retryAfter: 1, count: 2 }],
    "Matrix 429 RA",
  ),
  grantRow(
    "429 storm without Retry-After on grant POST",
    [{ method: "POST", path: "*/userPermissions", status: 429, count: 2 }],
    "ISAIAH",
  ),
  companyRow(
    "503 burst on reads",
    [{ method: "GET", path: "*/automationCompanies", status: 503, count: 3 }],
    "Matrix 503",
  ),
  companyRow(
    "504 burst on company POST",
    [{ method: "POST", path: "*/automationCompanies", status: 504, count: 2 }],
    "Matrix 504",
  ),
  companyRow(
    "connection dropped before BC acted (company POST)",
    [{ method: "POST", path: "*/automationCompanies", drop: "before", count: 1 }],
    "Matrix Drop Before",
  ),
  companyRow(
    "connection dropped after BC acted (company POST)",
    [{ method: "POST", path: "*/automationCompanies", drop: "after", count: 1 }],
    "Matrix Drop After",
  ),
  grantRow(
    "connection dropped after BC acted (grant POST)",
    [{ method: "POST", path: "*/userPermissions", drop: "after", count: 1 }],
    "ALEX",
  ),
  packageRow("connection dropped after BC acted (package record, import and apply)", [
    { method: "POST", path: "*/configurationPackages", drop: "after", count: 1 },
    { method: "POST", path: "*/Microsoft.NAV.import", drop: "after", count: 1 },
    { method: "POST", path: "*/Microsoft.NAV.apply", drop: "after", count: 1 },
  ]),
  packageRow("connection dropped before BC acted (import and apply)", [
    { method: "POST", path: "*/Microsoft.NAV.import", drop: "before", count: 1 },
    { method: "POST", path: "*/Microsoft.NAV.apply", drop: "before", count: 1 },
  ]),
];

describe("fault matrix: every row converges with no duplicate and no orphan", () => {
  it.each(ROWS.map((row) => [row.fault, row] as const))(
    "%s",
    async (_fault, row) => {
      const added = row.rules.map((rule) => emu.faults.add(rule));
      const h = row.handler();
      const { id, outs } = await converge(h, row.inputs());
      const fired = emu.faults.list().filter((f) => added.some((a) => a.id === f.id) && f.fired > 0);
      expect(fired.length, "every injected fault fired").toBe(added.length);
      emu.faults.clear();
      expect(row.count(), "exactly one object").toBe(1);
      await new Promise((r) => setTimeout(r, 2_100)); // the token expires before the next step
      expect((await h.read(id, outs)).id).toBe(id);
      await h.delete(id, outs);
      expect(row.count(), "no orphan after delete").toBe(0);
    },
    60_000,
  );

  it("ETag conflict on update: the update is sent again and lands once", async () => {
    const { id, outs } = await converge(companyHandler, { displayName: "Matrix ETag" });
    const rule = emu.faults.add({ method: "PATCH", path: "*/automationCompanies*", status: 409, count: 1 });
    const { inputs } = await companyHandler.check(outs, {
      __provider: "x",
      displayName: "Matrix ETag",
      businessProfileId: "p2",
    });
    const updated = await companyHandler.update(id, outs, inputs as Props).catch(async (err: Error) => {
      // A conflict that outlives the client's retry fails the update; the next up sends it again.
      expect(err.message).toMatch(/409|changed|conflict/i);
      return companyHandler.update(id, outs, inputs as Props);
    });
    expect(emu.faults.list().find((f) => f.id === rule.id)?.fired).toBe(1);
    expect(updated.outs).toMatchObject({ businessProfileId: "p2" });
    expect(production().companies.filter((c) => c.name === "Matrix ETag")).toHaveLength(1);
    await companyHandler.delete(id, updated.outs as Props);
  }, 60_000);
});
