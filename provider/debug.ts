/**
 * The provider's debug log: off unless `PULUMI_BC_DEBUG=1`, written to stderr (Pulumi shows a dynamic provider's
 * stderr; stdout is kept for progress lines). Every line passes through `redactText` — callers may log URLs, headers
 * and bodies without worrying about secrets, but should still prefer the redacting helpers.
 */
import { redactText } from "./redact";

export type DebugSink = (line: string) => void;

let sink: DebugSink | undefined;

/** Redirects debug output (tests capture it); `undefined` restores stderr. Setting a sink also enables logging. */
export function setDebugSink(next: DebugSink | undefined): void {
  sink = next;
}

export function isDebugEnabled(): boolean {
  return sink !== undefined || /^(1|true|yes|on)$/i.test(process.env.PULUMI_BC_DEBUG ?? "");
}

/** Writes one debug line. The message is built lazily so disabled logging costs nothing. */
export function debug(message: string | (() => string)): void {
  if (!isDebugEnabled()) return;
  const text = redactText(typeof message === "function" ? message() : message);
  const line = `[pulumi-businesscentral ${new Date().toISOString()}] ${text}`;
  if (sink) sink(line);
  else process.stderr.write(`${line}\n`);
}
