import type { Entra } from "./entra";
import type { AsyncDelays, BehaviourSwitches } from "./options";
import type { EmulatorState } from "./state/model";

/** What request handlers get from the running emulator. */
export interface ServerDeps {
  state(): EmulatorState;
  origin(): string;
  entra: Entra;
  behaviour: BehaviourSwitches;
  delays: AsyncDelays;
  timeScale: number;
  now(): number;
  /** Marks the state changed (the store persists it). */
  changed(): void;
  /** This emulator's memory outside the persisted state. */
  transient: TransientState;
}

/**
 * What one running emulator remembers that is not part of the tenant state: not persisted, not shared with other
 * emulators in the same process.
 */
export interface TransientState {
  /** How often each company (by id) refused deletion as "in use" (the `companyInUseDeletes` switch). */
  companyInUseRefusals: Map<string, number>;
}
