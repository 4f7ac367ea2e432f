/** What every command of the `pulumi-businesscentral` command line is: see provider/cli.ts for the table. */

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /**
   * The folder the command runs in: where `doctor` and `export` look for a Pulumi project (Pulumi.yaml) and its
   * selected stack. Undefined (a programmatic call) looks for no project; `--stack <name>` then uses the process's.
   */
  cwd?: string;
}

export interface CliCommand {
  /** The command's help: usage line(s), what it does, its options. */
  help: string;
  /** Runs the command with the arguments after its name. Returns the exit code (2 for usage errors). */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Bad arguments: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
