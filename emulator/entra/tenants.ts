import type { EntraApp, EmulatorState, TenantState } from "../state/model";

/** Tenant-independent authorities. Discovery answers for them; client credentials do not work on them. */
export type MetaTenant = "common" | "organizations" | "consumers";

export type TenantRef =
  | { kind: "tenant"; tenant: TenantState; segment: string }
  | { kind: "meta"; name: MetaTenant }
  | { kind: "unknown"; segment: string }
  | { kind: "invalid"; segment: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const META: readonly MetaTenant[] = ["common", "organizations", "consumers"];

export function isGuid(text: string): boolean {
  return GUID.test(text);
}

/** Resolves the tenant segment of an Entra URL: a tenant GUID, one of its verified domains, or a meta tenant. */
export function resolveTenant(state: EmulatorState, rawSegment: string): TenantRef {
  let segment: string;
  try {
    segment = decodeURIComponent(rawSegment);
  } catch {
    return { kind: "invalid", segment: rawSegment };
  }
  const lower = segment.toLowerCase();
  const meta = META.find((m) => m === lower);
  if (meta) return { kind: "meta", name: meta };
  if (!GUID.test(segment) && !DOMAIN.test(segment)) return { kind: "invalid", segment };
  const tenant = state.tenants.find(
    (t) => t.id.toLowerCase() === lower || t.domains.some((d) => d.toLowerCase() === lower),
  );
  return tenant ? { kind: "tenant", tenant, segment } : { kind: "unknown", segment };
}

/** How Entra names a tenant in error texts: its initial domain when it has one, else its id. */
export function tenantDisplayName(tenant: TenantState): string {
  return tenant.domains[0] ?? tenant.id;
}

export function findApp(tenant: TenantState, clientId: string): EntraApp | undefined {
  const lower = clientId.toLowerCase();
  return tenant.apps.find((a) => a.clientId.toLowerCase() === lower);
}
