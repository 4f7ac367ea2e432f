/**
 * A minimal Metadata Reflection API (the part of `reflect-metadata` that tsyringe and tslib use).
 *
 * `@peculiar/x509` 2.x resolves its algorithm providers through tsyringe, which refuses to load unless a Reflect
 * metadata polyfill is installed ("tsyringe requires a reflect polyfill"). The project does not depend on
 * `reflect-metadata`, so this module installs the few functions needed, and only when no polyfill is present.
 * Import it before the first import of `@peculiar/x509`.
 *
 * It implements the functions `reflect-metadata` 0.2 looks for when it finds an earlier polyfill
 * (defineMetadata, hasOwnMetadata, getOwnMetadata, getOwnMetadataKeys, deleteMetadata), so metadata recorded here
 * stays visible if the real polyfill is loaded later in the same process.
 */

type MetadataKey = unknown;
type PropertyKeyOrNone = string | symbol | undefined;

const registry = new WeakMap<object, Map<PropertyKeyOrNone, Map<MetadataKey, unknown>>>();

function table(target: object, property: PropertyKeyOrNone, create: boolean): Map<MetadataKey, unknown> | undefined {
  let byProperty = registry.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    registry.set(target, byProperty);
  }
  let entries = byProperty.get(property);
  if (!entries) {
    if (!create) return undefined;
    entries = new Map();
    byProperty.set(property, entries);
  }
  return entries;
}

function requireObject(target: unknown): object {
  if ((typeof target !== "object" && typeof target !== "function") || target === null) {
    throw new TypeError("Reflect metadata target must be an object");
  }
  return target;
}

const api = {
  defineMetadata(key: MetadataKey, value: unknown, target: unknown, property?: string | symbol): void {
    table(requireObject(target), property, true)!.set(key, value);
  },
  hasOwnMetadata(key: MetadataKey, target: unknown, property?: string | symbol): boolean {
    return table(requireObject(target), property, false)?.has(key) ?? false;
  },
  hasMetadata(key: MetadataKey, target: unknown, property?: string | symbol): boolean {
    for (let o: object | null = requireObject(target); o; o = Object.getPrototypeOf(o)) {
      if (table(o, property, false)?.has(key)) return true;
    }
    return false;
  },
  getOwnMetadata(key: MetadataKey, target: unknown, property?: string | symbol): unknown {
    return table(requireObject(target), property, false)?.get(key);
  },
  getMetadata(key: MetadataKey, target: unknown, property?: string | symbol): unknown {
    for (let o: object | null = requireObject(target); o; o = Object.getPrototypeOf(o)) {
      const entries = table(o, property, false);
      if (entries?.has(key)) return entries.get(key);
    }
    return undefined;
  },
  getOwnMetadataKeys(target: unknown, property?: string | symbol): MetadataKey[] {
    return [...(table(requireObject(target), property, false)?.keys() ?? [])];
  },
  getMetadataKeys(target: unknown, property?: string | symbol): MetadataKey[] {
    const keys = new Set<MetadataKey>();
    for (let o: object | null = requireObject(target); o; o = Object.getPrototypeOf(o)) {
      for (const key of table(o, property, false)?.keys() ?? []) keys.add(key);
    }
    return [...keys];
  },
  deleteMetadata(key: MetadataKey, target: unknown, property?: string | symbol): boolean {
    return table(requireObject(target), property, false)?.delete(key) ?? false;
  },
  metadata(key: MetadataKey, value: unknown) {
    return (target: unknown, property?: string | symbol): void => {
      api.defineMetadata(key, value, target, property);
    };
  },
};

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== "function") {
  for (const [name, fn] of Object.entries(api)) {
    if (typeof reflect[name] !== "function") {
      Object.defineProperty(Reflect, name, { value: fn, configurable: true, writable: true });
    }
  }
}
