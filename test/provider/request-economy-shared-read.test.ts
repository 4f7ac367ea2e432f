/** SharedRead: single flight, lifetime, edits replayed on a load in flight, invalidation, fresh and settled reads. */
import { describe, expect, it } from "vitest";
import { SharedRead } from "../../provider/automation/shared-read";

/** A load the test finishes by hand; counts how often it was started. */
function manualLoads() {
  const pending: ((value: string[]) => void)[] = [];
  let started = 0;
  const load = () =>
    new Promise<string[]>((resolve) => {
      started++;
      pending.push(resolve);
    });
  return {
    load,
    started: () => started,
    finish: (value: string[]) => pending.shift()!(value),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("SharedRead", () => {
  it("shares one load among concurrent callers and serves it until maxAge", async () => {
    let now = 1_000;
    const loads = manualLoads();
    const read = new SharedRead(loads.load, { maxAgeMs: 5_000, staleMs: 0, gatherMs: 1, now: () => now });
    const callers = [read.get(), read.get(), read.get()];
    expect(loads.started()).toBe(1);
    loads.finish(["a"]);
    expect(await Promise.all(callers)).toEqual([["a"], ["a"], ["a"]]);
    now += 4_999;
    expect(await read.get()).toEqual(["a"]);
    expect(loads.started()).toBe(1);
    now += 1;
    const again = read.get();
    expect(loads.started()).toBe(2);
    loads.finish(["b"]);
    expect(await again).toEqual(["b"]);
  });

  it("settled (preview checks) serves a loaded value whatever its age; after an invalidation it loads again", async () => {
    let now = 1_000;
    const loads = manualLoads();
    const read = new SharedRead(loads.load, { maxAgeMs: 5_000, staleMs: 0, gatherMs: 1, now: () => now });
    const callers = [read.settled(), read.get(), read.settled()];
    expect(loads.started()).toBe(1); // joined in flight
    loads.finish(["a"]);
    expect(await Promise.all(callers)).toEqual([["a"], ["a"], ["a"]]);
    now += 60 * 60_000;
    expect(await read.settled()).toEqual(["a"]);
    expect(loads.started()).toBe(1);
    read.invalidate(); // a write through this connection
    const again = read.settled();
    expect(loads.started()).toBe(2);
    loads.finish(["b"]);
    expect(await again).toEqual(["b"]);
  });

  it("for staleMs after maxAge, serves the value at once while one new load runs; later, waits for a load", async () => {
    let now = 1_000;
    const loads = manualLoads();
    const read = new SharedRead(loads.load, { maxAgeMs: 5_000, staleMs: 5_000, gatherMs: 1, now: () => now });
    const first = read.get();
    loads.finish(["a"]);
    expect(await first).toEqual(["a"]);
    now += 5_000;
    expect(await read.get()).toEqual(["a"]); // stale, served at once
    expect(await read.get()).toEqual(["a"]); // the background load is shared, not started twice
    expect(loads.started()).toBe(2);
    loads.finish(["b"]);
    await tick();
    expect(await read.get()).toEqual(["b"]);
    expect(loads.started()).toBe(2);
    now += 10_000; // older than maxAge + staleMs: the caller waits for a new load
    const waiting = read.get();
    expect(loads.started()).toBe(3);
    loads.finish(["c"]);
    expect(await waiting).toEqual(["c"]);
  });

  it("an invalidated value is never served stale", async () => {
    let now = 1_000;
    const loads = manualLoads();
    const read = new SharedRead(loads.load, { maxAgeMs: 5_000, staleMs: 5_000, gatherMs: 1, now: () => now });
    const first = read.get();
    loads.finish(["a"]);
    await first;
    now += 6_000;
    read.invalidate();
    const after = read.get();
    expect(loads.started()).toBe(2);
    loads.finish(["b"]);
    expect(await after).toEqual(["b"]);
  });

  it("replays an edit made while the load is in flight on its result", async () => {
    const loads = manualLoads();
    const read = new SharedRead<string[]>(loads.load, { maxAgeMs: 5_000, gatherMs: 1 });
    const waiting = read.get();
    read.edit((rows) => {
      if (!rows.includes("new")) rows.push("new");
    });
    loads.finish(["old"]); // read before the write reached the server
    expect(await waiting).toEqual(["old", "new"]);
    expect(await read.get()).toEqual(["old", "new"]);
    expect(loads.started()).toBe(1);
  });

  it("after invalidate, waiting callers get their load but later callers load again", async () => {
    const loads = manualLoads();
    const read = new SharedRead<string[]>(loads.load, { maxAgeMs: 5_000, gatherMs: 1 });
    const before = read.get();
    read.invalidate();
    const after = read.get();
    expect(loads.started()).toBe(2);
    loads.finish(["stale"]);
    loads.finish(["current"]);
    expect(await before).toEqual(["stale"]);
    expect(await after).toEqual(["current"]);
    expect(await read.get()).toEqual(["current"]);
    expect(loads.started()).toBe(2);
  });

  it("a failed load is not kept", async () => {
    let calls = 0;
    const read = new SharedRead(
      async () => {
        calls++;
        if (calls === 1) throw new Error("boom");
        return ["ok"];
      },
      { maxAgeMs: 5_000, gatherMs: 1 },
    );
    await expect(read.get()).rejects.toThrow("boom");
    expect(await read.get()).toEqual(["ok"]);
  });

  it("fresh() takes only loads that started after the command began, and gathers callers into one load", async () => {
    const loads = manualLoads();
    let now = 1_000;
    let command = 2_000;
    const read = new SharedRead<string[]>(loads.load, {
      maxAgeMs: 5_000,
      gatherMs: 20,
      now: () => now,
      commandStart: () => command,
    });
    const before = read.get(); // a look-up's load from before the command began
    loads.finish(["v1"]);
    await before;
    now = 2_500;
    const gathered = [read.fresh(), read.fresh(), read.fresh()];
    expect(loads.started()).toBe(1); // still gathering
    await new Promise((r) => setTimeout(r, 30));
    expect(loads.started()).toBe(2);
    // A fresh call while that load is in flight joins it: it started after the command began.
    const joined = read.fresh();
    loads.finish(["v2"]);
    expect(await Promise.all([...gathered, joined])).toEqual([["v2"], ["v2"], ["v2"], ["v2"]]);
    // The rest of the command's reads are served from it, however old (look-ups would have reloaded by now).
    now = 60_000;
    expect(await read.fresh()).toEqual(["v2"]);
    expect(loads.started()).toBe(2);
    // A write with an unknown effect drops it: the next fresh read loads again.
    read.invalidate();
    const afterWrite = read.fresh();
    await new Promise((r) => setTimeout(r, 30));
    expect(loads.started()).toBe(3);
    loads.finish(["v3"]);
    expect(await afterWrite).toEqual(["v3"]);
    expect(await read.get()).toEqual(["v3"]); // a fresh load also serves later look-ups
    // The next command (a new provider process) does not take this command's load.
    command = 70_000;
    now = 70_001;
    const nextCommand = read.fresh();
    await new Promise((r) => setTimeout(r, 30));
    await tick();
    expect(loads.started()).toBe(4);
    loads.finish(["v4"]);
    expect(await nextCommand).toEqual(["v4"]);
  });
});
