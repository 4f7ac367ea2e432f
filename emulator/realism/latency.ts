/** Per-request latency: fixed, or drawn from a seeded distribution so runs are reproducible. */
export type LatencyOptions =
  | { kind: "fixed"; ms: number }
  | { kind: "uniform"; minMs: number; maxMs: number; seed?: number }
  | { kind: "normal"; meanMs: number; stdDevMs: number; seed?: number };

/** Returns a function that yields the next request's latency in milliseconds (never negative). */
export function latencySource(options: LatencyOptions | undefined): () => number {
  if (!options) return () => 0;
  if (options.kind === "fixed") return () => Math.max(0, options.ms);
  const random = mulberry32(options.seed ?? 1);
  if (options.kind === "uniform") return () => options.minMs + random() * Math.max(0, options.maxMs - options.minMs);
  return () => {
    // Box–Muller transform.
    const u = Math.max(random(), Number.EPSILON);
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, options.meanMs + z * options.stdDevMs);
  };
}

/** The mean of a latency distribution (ms). */
export function meanLatency(options: LatencyOptions | undefined): number {
  if (!options) return 0;
  if (options.kind === "fixed") return options.ms;
  if (options.kind === "uniform") return (options.minMs + options.maxMs) / 2;
  return options.meanMs;
}

/** A small seeded PRNG (mulberry32): deterministic sequences for latency and fault probabilities. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
