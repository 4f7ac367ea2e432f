import type { BehaviourSwitches } from "../options";
import type { EnvironmentState } from "../state/model";

/** One step of emulated time: the moment background work catches up to, and the switches that shape it. */
export interface ClockStep {
  now: number;
  behaviour: BehaviourSwitches;
}

/** Brings one environment's time-driven work up to `step.now`; true when it changed the state. */
export type EnvironmentTicker = (env: EnvironmentState, step: ClockStep) => boolean;
