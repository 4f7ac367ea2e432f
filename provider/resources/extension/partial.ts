import { OperationTimeoutError } from "../../polling";
import { PartialFailure } from "../framework/handler";
import type { Inputs } from "./check";

/** Runs a wait; a timeout after a create started becomes a partial failure so Pulumi records the object. */
export async function waitOrPartial<T>(
  inputs: Inputs,
  id: string,
  phase: "create" | "update",
  wait: () => Promise<T>,
): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    if (phase === "create" && err instanceof OperationTimeoutError) {
      throw new PartialFailure(
        `${err.message} The extension is recorded; run pulumi refresh and up once it settles.`,
        id,
        {
          ...inputs,
          appId: id,
          name: "",
          publisher: "",
          version: "",
          packageId: "",
          fileSha256: inputs.fileSha256 ?? "",
        },
      );
    }
    throw err;
  }
}
