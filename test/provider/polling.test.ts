import { describe, expect, it } from "vitest";
import {
  OperationCancelledError,
  OperationFailedError,
  OperationTimeoutError,
  pollUntilDone,
} from "../../provider/polling";

type Op = { status: "Scheduled" | "InProgress" | "Completed" | "Failed"; detail?: string };
const classify = (o: Op) => (o.status === "Completed" ? "succeeded" : o.status === "Failed" ? "failed" : "pending");

function script(states: Op["status"][]) {
  let i = 0;
  const times: number[] = [];
  return {
    times,
    poll: async (): Promise<Op> => {
      times.push(Date.now());
      const status = states[Math.min(i++, states.length - 1)]!;
      return { status, detail: status === "Failed" ? "The specified file is not an extension file." : undefined };
    },
  };
}

describe("pollUntilDone", () => {
  it("polls with a growing interval and prints a line whenever the state changes", async () => {
    const s = script(["Scheduled", "Scheduled", "InProgress", "InProgress", "Completed"]);
    const lines: string[] = [];
    const result = await pollUntilDone({
      what: "import of package SETUP",
      poll: s.poll,
      classify,
      describe: (o) => o.status,
      onProgress: (l) => lines.push(l),
      timeoutMs: 5_000,
      initialIntervalMs: 20,
      factor: 2,
      maxIntervalMs: 100,
    });
    expect(result.status).toBe("Completed");
    expect(lines.map((l) => l.split(":")[1]!.trim().split(" ")[0])).toEqual(["Scheduled", "InProgress", "Completed"]);
    const gaps = s.times.slice(1).map((t, i) => t - s.times[i]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
  });

  it("fails with the service's detail", async () => {
    const s = script(["InProgress", "Failed"]);
    await expect(
      pollUntilDone({
        what: "deployment of App",
        poll: s.poll,
        classify,
        failureDetail: (o) => o.detail,
        timeoutMs: 2_000,
        initialIntervalMs: 10,
        onProgress: () => {},
      }),
    ).rejects.toThrow(
      new OperationFailedError("deployment of App", {}, "The specified file is not an extension file.").message,
    );
  });

  it("reconciles a reported failure when the real state shows success (deployment Failed but installed)", async () => {
    const s = script(["InProgress", "Failed"]);
    const lines: string[] = [];
    const result = await pollUntilDone({
      what: "deployment of App 1.0.0.0",
      poll: s.poll,
      classify,
      timeoutMs: 2_000,
      initialIntervalMs: 10,
      onProgress: (l) => lines.push(l),
      reconcile: async ({ reason, last }) => {
        expect(reason).toBe("failed");
        expect(last?.status).toBe("Failed");
        return { status: "Completed" as const };
      },
    });
    expect(result.status).toBe("Completed");
    expect(lines.join("\n")).toContain("reported failed, but the actual state shows it done");
  });

  it("times out with the last state, after asking the reconciliation hook", async () => {
    const s = script(["InProgress"]);
    let asked = false;
    const err = await pollUntilDone({
      what: "apply of package SETUP",
      poll: s.poll,
      classify,
      describe: (o) => o.status,
      timeoutMs: 120,
      initialIntervalMs: 20,
      onProgress: () => {},
      reconcile: async ({ reason }) => {
        asked = reason === "timeout";
        return undefined;
      },
    }).catch((e) => e);
    expect(asked).toBe(true);
    expect(err).toBeInstanceOf(OperationTimeoutError);
    expect(err.message).toContain("did not finish within 120 ms (last state: InProgress)");
  });

  it("stops on cancellation", async () => {
    const s = script(["InProgress"]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await pollUntilDone({
      what: "x",
      poll: s.poll,
      classify,
      timeoutMs: 5_000,
      initialIntervalMs: 1000,
      signal: controller.signal,
      onProgress: () => {},
    }).catch((e) => e);
    expect(err).toBeInstanceOf(OperationCancelledError);
  });

  it("lets reconciliation rescue a polling error (e.g. the status list vanished after an update)", async () => {
    const result = await pollUntilDone<Op>({
      what: "deployment",
      poll: async () => {
        throw new Error("404 extensionDeploymentStatus");
      },
      classify,
      timeoutMs: 1_000,
      onProgress: () => {},
      reconcile: async ({ reason }) => (reason === "error" ? { status: "Completed" as const } : undefined),
    });
    expect(result.status).toBe("Completed");
  });
});
