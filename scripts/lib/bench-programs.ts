/**
 * The two Pulumi programs the benchmark runs: the engine floor (the same number of trivial dynamic resources,
 * whose provider does nothing) and the benchmark stack (companies and users × permission set assignments).
 */
import * as pulumi from "@pulumi/pulumi";
import { Company, PermissionSetAssignment } from "../../sdk";
import { BENCH_COMPANIES, BENCH_ROLES, benchUserName } from "./bench-fixture";

/**
 * A dynamic provider that answers at once: what the engine costs by itself. `padBytes` pads its serialized text
 * (stored twice per resource, like any provider's), to measure what a resource's state size costs the engine.
 */
function nothing(padBytes: number): pulumi.dynamic.ResourceProvider {
  const pad = "x".repeat(padBytes);
  return {
    async create(inputs) {
      return { id: String(inputs.key), outs: { ...inputs, padded: pad.length } };
    },
    async read(id, props) {
      return { id, props };
    },
    async diff() {
      return { changes: false };
    },
    async delete() {},
  };
}

class Trivial extends pulumi.dynamic.Resource {}

export function floorProgram(resources: number, padBytes = 0) {
  return async () => {
    const provider = nothing(padBytes);
    for (let i = 0; i < resources; i++) new Trivial(provider, `r${i}`, { key: `r${i}` }, {});
    return {};
  };
}

/** `users` × BENCH_ROLES assignments (all companies) plus BENCH_COMPANIES: users × 2 + 2 resources. */
export function benchProgram(users: number) {
  return async () => {
    for (const displayName of BENCH_COMPANIES)
      new Company(displayName.toLowerCase().replace(/ /g, "-"), { displayName });
    for (let i = 0; i < users; i++) {
      const userName = benchUserName(i);
      for (const roleId of BENCH_ROLES) {
        new PermissionSetAssignment(`${userName}-${roleId}`.toLowerCase().replace(/[^a-z0-9-]/g, "-"), {
          userName,
          roleId,
        });
      }
    }
    return {};
  };
}

export const benchResourceCount = (users: number) => users * BENCH_ROLES.length + BENCH_COMPANIES.length;
