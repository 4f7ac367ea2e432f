import type { AppManifest } from "../../../formats/navx";
import { type Extension, extensionVersion } from "../../automation";

/** An Extension's outputs: the installed package, else what the manifest says (a staged upload). */
export function outputsOf(installed: Extension | undefined, fileSha256: string | undefined, manifest?: AppManifest) {
  return {
    appId: installed?.id ?? manifest?.id ?? "",
    name: installed?.displayName ?? manifest?.name ?? "",
    publisher: installed?.publisher ?? manifest?.publisher ?? "",
    version: installed ? extensionVersion(installed) : "",
    packageId: installed?.packageId ?? "",
    fileSha256: fileSha256 ?? "",
  };
}
export type Outputs = ReturnType<typeof outputsOf>;
