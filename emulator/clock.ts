/**
 * Emulated time moves only when a request arrives: BC and the Admin Center run work in the background, the emulator
 * catches up lazily. The server runs exactly one clock step before routing any BC or Admin Center request, so every
 * handler sees the same, up-to-date world whatever the route.
 *
 * Order matters inside the step: environment operations first (they bring environments into service), then the Admin
 * Center's app operations (they open deployments), then the automation pages' background work.
 */
import { advanceAppOperationsTicker } from "./admin/app-operations";
import { advanceEnvironmentOperations } from "./admin/environment-operations";
import { listedEnvironments } from "./admin/state";
import { AUTOMATION_TICKERS } from "./automation/tickers";
import type { ClockStep } from "./domain/clock-step";
import type { ServerDeps } from "./server-deps";

export function advanceClock(deps: Pick<ServerDeps, "state" | "now" | "behaviour" | "changed">): void {
  const step: ClockStep = { now: deps.now(), behaviour: deps.behaviour };
  let changed = false;
  try {
    for (const tenant of deps.state().tenants) {
      changed = advanceEnvironmentOperations(tenant, step.now) || changed;
      // Inactive (deleted, being created) environments still finish their Admin Center operations …
      for (const env of listedEnvironments(tenant)) changed = advanceAppOperationsTicker(env, step) || changed;
      // … but only environments BC serves run background tasks.
      for (const env of tenant.environments) {
        for (const tick of AUTOMATION_TICKERS) changed = tick(env, step) || changed;
      }
    }
  } catch (err) {
    // Never let bookkeeping break an unrelated request; the error is logged like any emulator bug.
    process.stderr.write(`emulator: clock step failed: ${(err as Error)?.stack ?? String(err)}\n`);
    changed = true;
  }
  if (changed) deps.changed();
}
