/**
 * The Node.js this package needs (the HTTP client uses APIs of 22.19+). Older versions would die later, inside
 * `pulumi up`, with a bare `Cannot read properties of undefined`; this says which Node ran and how to fix it.
 * Imported first by the SDK (the program's process) and by the provider entry point (the dynamic-provider process,
 * which may find another `node` on PATH), before anything that needs the newer Node; the command line checks it
 * before loading a command.
 */
export function requireSupportedNode(where: string): void {
  const problem = unsupportedNodeProblem(where);
  if (problem) throw new Error(problem);
}

/** The message for an unsupported Node.js (`where` names the process, e.g. "this command"), or undefined. */
export function unsupportedNodeProblem(where: string): string | undefined {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return undefined;
  return `pulumi-businesscentral needs Node.js >= 22.19; ${where} runs ${process.version} (${process.execPath}). Put Node.js 22.19+ first on PATH.`;
}
