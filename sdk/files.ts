import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/**
 * Turns a file input (a path or a `FileAsset`) into an absolute path the provider process can read. The path is
 * only used to read the bytes; the provider diffs on the file's SHA-256, so a moved checkout is not a change.
 */
export function filePathOf(file: pulumi.Input<string | pulumi.asset.FileAsset>): pulumi.Output<string> {
  if (file instanceof pulumi.asset.FileAsset) return pulumi.output(file.path).apply((p) => path.resolve(p));
  return pulumi.output(file as pulumi.Input<string>).apply(async (value: unknown) => {
    const raw = typeof value === "string" ? value : await (value as { path: string | Promise<string> }).path;
    return path.resolve(raw);
  });
}
