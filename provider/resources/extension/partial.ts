import { OperationTimeoutError } from "../../polling";
import type { OperationContext } from "../framework/define";
import type { Inputs } from "./check";
import type { Outputs } from "./outputs";

/** Runs a wait; a timeout after a create started records the app as partly created (Pulumi keeps it in state). */
export async function waitOrPartial<T>(
  ctx: OperationContext<Outputs>,
  inputs: Inputs,
  id: string,
  phase: "create" | "update",
  wait: () => Promise<T>,
): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    if (phase === "create" && err instanceof OperationTimeoutError) {
      return ctx.partial(
        id,
        { appId: id, name: "", publisher: "", version: "", packageId: "", fileSha256: inputs.fileSha256 ?? "" },
        `${err.message} The extension is recorded; run pulumi refresh and up once it settles.`,
      );
    }
    throw err;
  }
}
