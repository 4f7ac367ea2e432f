/**
 * The emulator package's README (packages/emulator/README.md) is what users copy: its complete JSON seeds start
 * the emulator, and the second tenant's app gets through to Business Central and the Admin Center with the values
 * the README says to use.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import type { SeedInput } from "../../emulator/state/seed";
import { runDoctor } from "../../provider/doctor";
import { resetProviderCaches, settingsFor } from "../provider/helpers/emu";

const readme = readFileSync(join(__dirname, "../../packages/emulator/README.md"), "utf8");
/** JSON blocks without placeholders (`<…>`, `…`): the ones meant to be used as they are. */
const completeSeeds = [...readme.matchAll(/```json\n([\s\S]*?)\n```/g)]
  .map((m) => m[1])
  .filter((text) => !/[<…]/.test(text))
  .map((text) => JSON.parse(text) as SeedInput);

let emu: RunningEmulator | undefined;
afterAll(async () => {
  await emu?.stop();
  resetProviderCaches();
});

describe("the emulator README's two-tenant seed", () => {
  it("is there, starts the emulator, and both tenants' apps pass doctor", { timeout: 60_000 }, async () => {
    expect(completeSeeds).toHaveLength(1);
    const seed = completeSeeds[0];
    expect(seed.tenants).toHaveLength(2);
    emu = await startEmulator({ seed, timeScale: 0.01 });
    for (const tenant of seed.tenants) {
      const app = tenant.apps![0];
      resetProviderCaches();
      const report = await runDoctor({
        settings: settingsFor(emu, {
          tenantId: tenant.id,
          clientId: app.clientId,
          clientSecret: app.secrets![0],
          environment: tenant.environments![0].name,
        }),
      });
      const notOk = report.checks.filter((c) => c.status !== "ok");
      expect(notOk, `${tenant.id}: ${JSON.stringify(notOk, null, 2)}`).toEqual([]);
      expect(report.features.adminCenter).toBe(true);
    }
  });
});
