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
}
