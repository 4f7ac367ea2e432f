/** One served request, as the control plane reports it (no headers, no bodies: nothing secret). */
export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

const MAX_ENTRIES = 20_000;

/** A bounded log of served requests, so tests can assert e.g. that a no-op `pulumi up` wrote nothing. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry) {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear() {
    this.entries = [];
  }
}
