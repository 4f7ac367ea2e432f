/**
 * fast-check generators for the emulator's request surface. Built from a `SurfaceModel`, so every entity set,
 * navigation, action and media property the registry holds is reachable, with real keys and values mixed with
 * random and hostile ones.
 *
 * Four surfaces, one generator each: automation (BC API v2.0 paths, both URL forms), admin (`/admin/v2.x/…`),
 * entra (token endpoint and discovery) and junk (anything). Automation runs are sequences that mix random
 * requests with guided steps (create an entity, then act on exactly that entity), so handlers are reached in
 * states a single random request never produces.
 */
import fc from "fast-check";
import {
  CONTOSO_PAYMENTS_ID,
  FABRIKAM_CORE_ID,
  FABRIKAM_SHIPPING_ID,
  TAILSPIN_ANALYTICS_ID,
} from "../../../emulator/admin/catalog-seed";
import type { FieldSpec } from "../../../emulator/automation/entity";
import type { SetModel, SurfaceModel } from "./model";
import { type BodySpec, type Damage, encodeTarget, type PathPart, RAW_BYTE, type RequestSpec } from "./requests";

type Arb<T> = fc.Arbitrary<T>;

/** Caches arbitraries built per set: building them inside `chain` for every generated value is slow. */
function memo<A extends unknown[], R>(build: (...args: A) => R): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args: A) => {
    const key = JSON.stringify(
      args.map((a) => (a && typeof a === "object" && "name" in a ? (a as { name: string }).name : a)),
    );
    let value = cache.get(key);
    if (value === undefined) {
      value = build(...args);
      cache.set(key, value);
    }
    return value;
  };
}

const STANDARD_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD"] as const;

// ----- Text ----------------------------------------------------------------------------------------------------

/** Characters and escapes that break naive URL, key and JSON handling. */
const HOSTILE = [
  "'",
  "''",
  "/",
  "(",
  ")",
  "%",
  "%2F",
  "%27",
  "%28",
  "%29",
  "%zz",
  "%C3",
  "%00",
  "%E2%82",
  "é",
  "Ω",
  "😀",
  " ",
  "?",
  "#",
  "..",
  ".",
  ",",
  "=",
  "$",
  "&",
  "+",
  "\\",
  '"',
  "\u0000",
  "\t",
  "\r\n",
  "\uFFFF",
  "\uD800",
  `${RAW_BYTE}é`,
  `${RAW_BYTE}\u00ff`,
  "__proto__",
  "constructor",
];

/** Names every JavaScript object has: a lookup `record[name]` without an own-property check finds them. */
const PROTOTYPE_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];

const hostileText = (maxParts: number): Arb<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
        { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 8 }) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
      ),
      { maxLength: maxParts },
    )
    .map((parts) => parts.join(""));

/** Printable ASCII for header values (undici refuses CR, LF and NUL). */
const headerText: Arb<string> = fc
  .string({ unit: "binary-ascii", maxLength: 40 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, "").trim());

const identifier: Arb<string> = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);

/** Percent-encodes everything but unreserved characters (what encodeURIComponent does, without throwing). */
function encodeComponent(text: string): string {
  return Buffer.from(text.replace(RAW_BYTE, ""), "utf8")
    .toString("binary")
    .replace(/[^A-Za-z0-9\-_.~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

// ----- Shared pieces -------------------------------------------------------------------------------------------

const intText: Arb<string> = fc.oneof(
  fc.integer({ min: -3, max: 30 }).map(String),
  fc.integer().map(String),
  fc.constantFrom("0", "-1", "2147483648", "9007199254740993", "1e3", "01", " 1", "abc", "", "1.5", "NaN"),
);

const damage: Arb<Damage> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Damage>({ flips: [] }) },
  {
    weight: 2,
    arbitrary: fc.record({
      flips: fc.array(fc.tuple(fc.nat(4000), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
      keep: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    }),
  },
);

/** A client id the admin guided steps authorize and remove (any GUID works; this one is the fuzz seed's no-role app). */
const NO_ROLE_CLIENT = "f0f0f0f0-1111-4222-8333-444455556666";

const CATALOG_APPS = [FABRIKAM_CORE_ID, FABRIKAM_SHIPPING_ID, CONTOSO_PAYMENTS_ID, TAILSPIN_ANALYTICS_ID];

/** An Authorization header: mostly the valid token, else missing, malformed or forged. */
const auth: Arb<RequestSpec["auth"]> = fc.oneof(
  { weight: 40, arbitrary: fc.constant("token" as const) },
  { weight: 1, arbitrary: fc.constant("alt" as const) },
  { weight: 1, arbitrary: fc.constant("none" as const) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom("Bearer", "Bearer ", "bearer a.b.c", "Basic Zm9vOmJhcg==", "Negotiate abc", "Bearer ..."),
        headerText.map((s) => `Bearer ${s}`),
        headerText,
        // Forged JWTs: plausible claims, no valid signature (or alg none).
        fc
          .tuple(
            fc.constantFrom("RS256", "none", "HS256", "ES256"),
            fc.record(
              {
                tid: fc.oneof(fc.uuid(), fc.jsonValue()),
                appid: fc.oneof(fc.uuid(), fc.jsonValue()),
                aud: fc.constantFrom("https://api.businesscentral.dynamics.com", "x"),
                roles: fc.oneof(fc.constant(["Automation.ReadWrite.All"]), fc.jsonValue()),
                exp: fc.oneof(fc.integer(), fc.jsonValue()),
              },
              { requiredKeys: [] },
            ),
            fc.string({ unit: "grapheme-ascii", maxLength: 20 }),
          )
          .map(
            ([alg, claims, sig]) =>
              `Bearer ${base64url({ alg, typ: "JWT" })}.${base64url(claims)}.${encodeComponent(sig)}`,
          ),
      )
      .map((raw) => ({ raw })),
  },
);

const optionalHeaders: Arb<Record<string, string>> = fc.record(
  {
    prefer: fc.oneof(
      intText.map((n) => `odata.maxpagesize=${n}`),
      fc.constantFrom("return=minimal", "return=representation", "respond-async", "odata.include-annotations=*"),
      headerText,
    ),
    accept: fc.oneof(
      fc.constantFrom("application/json", "*/*", "application/xml", "application/json;odata.metadata=full"),
      headerText,
    ),
    "data-access-intent": fc.constantFrom("ReadOnly", "ReadWrite", "x"),
    "odata-maxversion": fc.constantFrom("4.0", "3.0", "x"),
    "client-request-id": fc.oneof(fc.uuid(), headerText),
    "x-http-method": fc.constantFrom(...STANDARD_METHODS),
  },
  { requiredKeys: [] },
);

const contentType: Arb<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constantFrom(
        "application/json; charset=utf-8",
        "application/json;odata.metadata=minimal;odata.streaming=true",
        "APPLICATION/JSON",
        "application/json; charset=utf-16",
        "text/plain",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=fuzz",
        "multipart/form-data",
        "application/xml",
        "application/vnd+json",
        "",
      ),
      headerText,
    ),
  },
);

/** Request headers: content type, optional extras. */
const headers: Arb<Record<string, string>> = fc.tuple(contentType, optionalHeaders).map(([type, extra]) => {
  const out: Record<string, string> = { ...extra };
  if (type !== undefined) out["content-type"] = type;
  return out;
});

const ifMatch: Arb<RequestSpec["ifMatch"]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constant("*") },
  { weight: 3, arbitrary: fc.constant({ current: true as const }) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom('W/"JzE7MCc="', '"*"', "*, *", 'W/"x", *', ""),
      headerText.map((s) => `W/"${s}"`),
      headerText,
    ),
  },
);

// ----- Bodies --------------------------------------------------------------------------------------------------

function bodies(m: SurfaceModel) {
  const allFields = new Map<string, FieldSpec>();
  for (const set of Object.values(m.sets))
    for (const [name, spec] of Object.entries(set.fields)) allFields.set(name, spec);
  const anyFieldName = fc.constantFrom(...allFields.keys());

  const typed = (spec: FieldSpec | undefined): Arb<unknown> => {
    switch (spec?.type) {
      case "string": {
        const max = spec.maxLength ?? 250;
        return fc.oneof(
          hostileText(6),
          fc.constantFrom("", " ", "A".repeat(max), "a".repeat(max + 1), "fuzz", "FUZZ", "ä€😀"),
        );
      }
      case "enum":
        return fc.oneof(
          fc.constantFrom(...(spec.enumValues?.length ? spec.enumValues : ["x"])),
          fc.constantFrom(...(spec.enumValues?.length ? spec.enumValues : ["x"])).map((v) => v.toUpperCase()),
          hostileText(3),
          fc.integer({ min: -1, max: 5 }),
        );
      case "guid":
        return fc.oneof(
          fc.uuid(),
          fc.uuid().map((g) => g.toUpperCase()),
          fc.uuid().map((g) => `{${g}}`),
          hostileText(3),
        );
      case "int":
        return fc.oneof(
          fc.integer({ min: -2, max: 1100 }),
          fc.constantFrom(2147483647, 2147483648, -2147483649, 1.5, 1e21, "1", -0),
        );
      case "decimal":
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom("1.5", 1e308));
      case "bool":
        return fc.oneof(fc.boolean(), fc.constantFrom("true", 0, 1, "yes"));
      case "datetime":
      case "date":
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.constantFrom("0001-01-01T00:00:00Z", "2024-02-30", "2024-13-45T25:61:00Z", "", "now", "2024-01-01"),
        );
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };

  /** A value for a property: seen in a response, typed for the field, or anything. */
  const valueFor = memo((name: string): Arb<unknown> => {
    const seen = Object.hasOwn(m.values, name) ? m.values[name] : [];
    const options: fc.WeightedArbitrary<unknown>[] = [
      { weight: 3, arbitrary: typed(allFields.get(name)) },
      { weight: 1, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(null)) },
    ];
    if (seen.length > 0) options.push({ weight: 4, arbitrary: fc.constantFrom(...seen) });
    return fc.oneof(...options);
  });

  /** A value a client could well send for the field: one seen in a response, or a valid one of its type. */
  const plausible = memo((name: string, spec: FieldSpec): Arb<unknown> => {
    const seen = (Object.hasOwn(m.values, name) ? m.values[name] : []).filter((v) => typeof v !== "string" || v !== "");
    const short = fc.stringMatching(/^[A-Z][A-Z0-9]{0,7}$/);
    const valid: Arb<unknown> =
      spec.type === "string"
        ? fc.oneof(fc.constantFrom("FUZZ", "FUZZ2", "Fuzz Co"), short)
        : spec.type === "enum"
          ? fc.constantFrom(...(spec.enumValues?.length ? spec.enumValues : ["x"]))
          : spec.type === "guid"
            ? fc.uuid()
            : spec.type === "int"
              ? fc.integer({ min: 0, max: 1100 })
              : spec.type === "decimal"
                ? fc.double({ min: 0, max: 1000, noNaN: true })
                : spec.type === "bool"
                  ? fc.boolean()
                  : fc
                      .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
                      .map((d) => d.toISOString());
    return seen.length > 0
      ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...seen) }, { weight: 2, arbitrary: valid })
      : valid;
  });

  /**
   * A body a client could send to `set`: its editable fields (the NotBlank ones always) with plausible values,
   * sometimes with one hostile change (an unknown or read-only property, a wrong type).
   */
  const plausibleObject = memo((set: SetModel): Arb<Record<string, unknown>> => {
    const editable = Object.entries(set.fields).filter(([, f]) => f.editable);
    const record = fc.record(Object.fromEntries(editable.map(([name, spec]) => [name, plausible(name, spec)])), {
      requiredKeys: editable.filter(([, f]) => f.notBlank).map(([name]) => name),
    }) as Arb<Record<string, unknown>>;
    const change = fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      {
        weight: 2,
        arbitrary: fc
          .oneof(anyFieldName, fc.constantFrom(...Object.keys(set.fields), "x"))
          .chain((name) => valueFor(name).map((v) => [name, v] as const)),
      },
    );
    return fc.tuple(record, change).map(([body, extra]) => (extra ? { ...body, [extra[0]]: extra[1] } : body));
  });

  /** A JSON object whose properties are mostly those of `set` (editable ones first). */
  const objectFor = memo((set: SetModel | undefined): Arb<Record<string, unknown>> => {
    const own = set ? Object.keys(set.fields) : [];
    const editable = set
      ? Object.entries(set.fields)
          .filter(([, f]) => f.editable)
          .map(([n]) => n)
      : [];
    const names: fc.WeightedArbitrary<string>[] = [
      { weight: 2, arbitrary: anyFieldName },
      {
        weight: 1,
        arbitrary: fc.oneof(identifier, fc.constantFrom("@odata.etag", "__proto__", "constructor", "ID", "Code", "")),
      },
    ];
    if (own.length > 0) names.push({ weight: 3, arbitrary: fc.constantFrom(...own) });
    if (editable.length > 0) names.push({ weight: 6, arbitrary: fc.constantFrom(...editable) });
    const entry = fc.oneof(...names).chain((name) => valueFor(name).map((value) => [name, value] as const));
    const random = fc.array(entry, { maxLength: 5 }).map((entries) => Object.fromEntries(entries));
    return set && editable.length > 0 ? fc.oneof(random, plausibleObject(set)) : random;
  });

  const codes = fc.oneof(
    fc.constantFrom("FUZZ", "FUZZ2", "fuzz", "A"),
    fc.constantFrom(...((m.values.code as string[]) ?? ["X"])),
  );

  const file: Arb<BodySpec> = fc.oneof(
    fc
      .record({
        id: fc.oneof(fc.uuid(), fc.constantFrom(...CATALOG_APPS)),
        version: fc.constantFrom("1.0.0.0", "1.0.0.1", "2.0.0.0", "29.0.0.0"),
        dependencies: fc.array(fc.oneof(fc.uuid(), fc.constantFrom(...CATALOG_APPS)), { maxLength: 2 }),
        damage,
      })
      .map((r) => ({ kind: "app" as const, ...r })),
    fc
      .record({ code: codes, tables: fc.array(fc.constantFrom(3, 4, 99999), { minLength: 1, maxLength: 2 }), damage })
      .map((r) => ({ kind: "rapidstart" as const, ...r })),
  );

  const hostileBody: Arb<BodySpec> = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: "json" as const, value })),
    fc.string({ unit: "binary", maxLength: 40 }).map((text) => ({ kind: "text" as const, text })),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: "bytes" as const, hex: Buffer.from(b).toString("hex") })),
    // Invalid UTF-8 inside a JSON string.
    fc.tuple(anyFieldName, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([name, b]) => ({
      kind: "bytes" as const,
      hex: Buffer.concat([Buffer.from(`{"${name}":"`), Buffer.from([0xff, 0xc3, ...b]), Buffer.from('"}')]).toString(
        "hex",
      ),
    })),
    fc
      .constantFrom("{", "[]", "null", '{"a":1,"a":2}', "\uFEFF{}", '{"__proto__":{"x":1}}')
      .map((text) => ({ kind: "text" as const, text })),
  );

  const huge: Arb<BodySpec> = fc
    .tuple(anyFieldName, fc.constantFrom(1, 2))
    .map(([property, megabytes]) => ({ kind: "huge" as const, property, megabytes }));

  /** A body for a request on `set`: none, a plausible object, something hostile, a file, rarely a huge one. */
  const bodyFor = memo(
    (set: SetModel | undefined): Arb<BodySpec | undefined> =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 8, arbitrary: objectFor(set).map((value) => ({ kind: "json" as const, value })) },
        { weight: 4, arbitrary: hostileBody },
        { weight: 2, arbitrary: file },
        { weight: 1, arbitrary: huge },
      ),
  );

  return { objectFor, plausibleObject, bodyFor, file, hostileBody, valueFor, codes };
}

// ----- Automation ----------------------------------------------------------------------------------------------

export function automationRun(m: SurfaceModel): Arb<RequestSpec[]> {
  const b = bodies(m);
  const envs = m.environments;
  const primaryEnv = envs[0];
  /** The seeded environment a (possibly re-cased or hostile) name stands for; the primary one when none. */
  const canon = (env: string) => envs.find((e) => e.toLowerCase() === env.toLowerCase()) ?? primaryEnv;
  const companiesOf = (env: string) => m.companies[canon(env)];
  const firstCompany = (env: string) => companiesOf(env)[0];

  const envName: Arb<string> = fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...envs) },
    { weight: 1, arbitrary: fc.constantFrom(...envs).map((e) => e.toUpperCase()) },
    { weight: 1, arbitrary: hostileText(3) },
  );
  const tenant: Arb<string> = fc.oneof(
    { weight: 20, arbitrary: fc.constant(m.tenantId) },
    { weight: 1, arbitrary: fc.constant(m.tenantId.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...m.tenantDomains) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: hostileText(3) },
  );
  const API = "api/microsoft/automation/v2.0";
  const root: Arb<{ env: string; prefix: string }> = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(tenant, envName).map(([t, env]) => ({ env, prefix: `/v2.0/${t}/${env}/${API}` })),
    },
    { weight: 6, arbitrary: envName.map((env) => ({ env, prefix: `/v2.0/${env}/${API}` })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          tenant,
          envName,
          fc.constantFrom(
            "api/microsoft/automation/v1.0",
            "api/microsoft/automation/beta",
            "api/v2.0",
            "ODataV4",
            "",
            "api/microsoft/automation/v2.0/",
          ),
        )
        .map(([t, env, api]) => ({ env, prefix: `/v2.0/${t}/${env}/${api}` })),
    },
  );

  /** Any key text: well-formed literals of the wrong kind, named and composite forms, hostile text. */
  const anyKey: Arb<string> = fc.oneof(
    fc.uuid(),
    fc.uuid().map((g) => `'${g}'`),
    hostileText(4).map((s) => `'${s.replace(/'/g, "''")}'`),
    hostileText(4).map((s) => `'${s}'`),
    fc.integer().map(String),
    fc.constantFrom("99999999999999999999", "true", "null", "", " ", "''", "'", "id=", "=", ",", "a=1,a=1", "x eq 1"),
    fc.tuple(identifier, fc.uuid()).map(([n, g]) => `${n}=${g}`),
    hostileText(6),
  );

  /** A key for `set`: a real one, one of the right shape with random values, or anything. */
  const keyFor = memo((set: SetModel | undefined, env: string): Arb<string> => {
    const options: fc.WeightedArbitrary<string>[] = [{ weight: 2, arbitrary: anyKey }];
    const inEnv = m.keys[canon(env)] ?? {};
    const real = set && inEnv && Object.hasOwn(inEnv, set.name) ? inEnv[set.name] : [];
    if (real.length > 0) options.push({ weight: 10, arbitrary: fc.constantFrom(...real) });
    if (set) {
      const literal = (type: string) =>
        type === "string"
          ? hostileText(3).map((s) => `'${s.replace(/'/g, "''")}'`)
          : type === "int"
            ? fc.integer().map(String)
            : fc.uuid();
      const shaped =
        set.keys.length === 1
          ? literal(set.keys[0].type)
          : fc
              .tuple(...set.keys.map((k) => literal(k.type).map((v) => `${k.name}=${v}`)))
              .map((parts) => parts.join(","));
      options.push({ weight: 2, arbitrary: shaped });
    }
    return fc.oneof(...options);
  });

  const allActions = [...new Set(Object.values(m.sets).flatMap((s) => s.actions))];

  /** What may follow an entity of `set` in a path (navigations, actions, media), `depth` levels at most. */
  const tail = memo((set: SetModel, depth: number, env: string): Arb<string> => {
    const options: fc.WeightedArbitrary<string>[] = [
      { weight: 6, arbitrary: fc.constant("") },
      { weight: 1, arbitrary: hostileText(3).map((s) => `/${s}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...allActions, "x", ...PROTOTYPE_NAMES).map((a) => `/Microsoft.NAV.${a}`),
      },
      { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES).map((n) => `/${n}`) },
    ];
    if (set.actions.length > 0) {
      options.push({ weight: 3, arbitrary: fc.constantFrom(...set.actions).map((a) => `/Microsoft.NAV.${a}`) });
    }
    if (set.media.length > 0) {
      options.push({
        weight: 3,
        arbitrary: fc
          .tuple(fc.constantFrom(...set.media), fc.constantFrom("", "/$value", "(1)", "/x"))
          .map(([n, s]) => `/${n}${s}`),
      });
    }
    const navs = Object.entries(set.navigations);
    if (navs.length > 0 && depth > 0) {
      options.push({
        weight: 4,
        arbitrary: fc.constantFrom(...navs).chain(([nav, childName]) => {
          const child = m.sets[childName];
          return fc.oneof(
            fc.constant(`/${nav}`),
            fc.tuple(keyFor(child, env), tail(child, depth - 1, env)).map(([key, rest]) => `/${nav}(${key})${rest}`),
          );
        }),
      });
    }
    return fc.oneof(...options);
  });

  /** A top-level set, mostly one the environment offers. */
  const topSet = memo((env: string) => {
    const offered = m.available[canon(env)] ?? [];
    const any = fc.constantFrom(...m.topLevel).map((name) => m.sets[name]);
    return offered.length === 0
      ? any
      : fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...offered).map((name) => m.sets[name]) },
          { weight: 1, arbitrary: any },
        );
  });

  /** Path after the service root, and the `?company=` value when the path uses that form. */
  const rest = memo((env: string): Arb<{ path: string; company?: string }> => {
    const company = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...companiesOf(env)) },
      { weight: 1, arbitrary: anyKey },
    );
    const entityPath = (set: SetModel) =>
      fc.oneof(
        { weight: 1, arbitrary: fc.constant({ path: `/${set.name}` }) },
        {
          weight: 3,
          arbitrary: fc
            .tuple(keyFor(set, env), tail(set, 2, env))
            .map(([key, t]) => ({ path: `/${set.name}(${key})${t}` })),
        },
      );
    return fc.oneof(
      {
        weight: 1,
        arbitrary: fc
          .constantFrom("", "/", "/$metadata", "/$batch", "/companies", "/companies/")
          .map((path) => ({ path })),
      },
      {
        weight: 12,
        arbitrary: fc
          .tuple(company, topSet(env))
          .chain(([cid, set]) => entityPath(set).map((p) => ({ path: `/companies(${cid})${p.path}` }))),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(company, topSet(env))
          .chain(([cid, set]) => entityPath(set).map((p) => ({ ...p, company: cid }))),
      },
      { weight: 1, arbitrary: company.map((cid) => ({ path: `/companies(${cid})` })) },
      { weight: 1, arbitrary: hostileText(6).map((s) => ({ path: `/${s}` })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(company, fc.constantFrom(...PROTOTYPE_NAMES), fc.boolean())
          .map(([cid, name, form]) =>
            form ? { path: `/${name}`, company: cid } : { path: `/companies(${cid})/${name}` },
          ),
      },
    );
  });

  const query = queryOptions(m);

  const randomRequest: Arb<RequestSpec> = root.chain(({ env, prefix }) =>
    fc
      .record({
        rest: rest(env),
        method: method,
        query,
        auth,
        ifMatch,
        headers,
        body: fc.constantFrom(...m.topLevel).chain((name) => b.bodyFor(m.sets[name])),
      })
      .map(({ rest: r, method: verb, query: q, auth: a, ifMatch: im, headers: h, body }) => ({
        area: "automation" as const,
        method: verb,
        path: [prefix + r.path],
        query: r.company === undefined ? q : `?company=${encodeTarget(r.company)}${q ? `&${q.slice(1)}` : ""}`,
        auth: a,
        ifMatch: im,
        headers: h,
        body,
      })),
  );

  // Guided steps: create an entity of an insertable set, then read, change, act on or delete exactly that one.
  const insertRoutes = insertableRoutes(m);
  const guidedPrefix = (env: string) => `/v2.0/${m.tenantId}/${env}/${API}/companies(${firstCompany(env)})`;
  const routePath = (route: InsertRoute): Arb<string> =>
    route.parent
      ? keyFor(m.sets[route.parent], route.env).map(
          (key) => `${guidedPrefix(route.env)}/${route.parent}(${key})/${route.nav}`,
        )
      : fc.constant(`${guidedPrefix(route.env)}/${route.set}`);

  const create: Arb<RequestSpec> = fc
    .constantFrom(...insertRoutes)
    .chain((route) =>
      fc.record({
        path: routePath(route),
        verb: fc.oneof({ weight: 9, arbitrary: fc.constant("POST") }, { weight: 1, arbitrary: fc.constant("PUT") }),
        value: fc.oneof(
          { weight: 4, arbitrary: b.plausibleObject(m.sets[route.set]) },
          { weight: 1, arbitrary: b.objectFor(m.sets[route.set]) },
        ),
        auth: fc.oneof({ weight: 19, arbitrary: fc.constant("token" as const) }, { weight: 1, arbitrary: auth }),
        set: fc.constant(route.set),
      }),
    )
    .map(({ path, verb, value, auth: a, set }) => ({
      area: "automation" as const,
      method: verb,
      path: [path],
      query: "",
      auth: a,
      headers: { "content-type": "application/json" },
      body: { kind: "json" as const, value },
      creates: set,
    }));

  const onRecent: Arb<RequestSpec> = fc.constantFrom(...insertRoutes).chain((route) => {
    const set = m.sets[route.set];
    const fallback = keyFor(set, route.env).map((key) => `${guidedPrefix(route.env)}/${set.name}(${key})`);
    const suffixes: fc.WeightedArbitrary<{ suffix: PathPart[]; verb: string; body?: BodySpec }>[] = [
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            fc.constantFrom("GET", "PATCH", "PATCH", "DELETE", "PUT"),
            fc.oneof(b.plausibleObject(set), b.objectFor(set)),
          )
          .map(([verb, value]) => ({
            suffix: [],
            verb,
            body: verb === "GET" || verb === "DELETE" ? undefined : { kind: "json" as const, value },
          })),
      },
    ];
    if (set.actions.length > 0) {
      suffixes.push({
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...set.actions), fc.option(b.objectFor(undefined), { nil: undefined }))
          .map(([action, value]) => ({
            suffix: [`/Microsoft.NAV.${action}`],
            verb: "POST",
            body: value === undefined ? undefined : { kind: "json" as const, value },
          })),
      });
    }
    if (set.media.length > 0) {
      suffixes.push({
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...set.media), fc.constantFrom("PATCH", "PATCH", "GET", "PUT"), b.file)
          .map(([media, verb, body]) => ({ suffix: [`/${media}`], verb, body: verb === "GET" ? undefined : body })),
      });
    }
    for (const [nav, childName] of Object.entries(set.navigations)) {
      const child = m.sets[childName];
      const childKey: PathPart = { childKeyOf: set.name, child: childName, fallback: "'FUZZ'" };
      const media = child.media.length > 0 ? child.media : [""];
      suffixes.push({
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...media), fc.constantFrom("PATCH", "GET", "PATCH"), b.file)
          .map(([name, verb, body]) => ({
            suffix: [`/${nav}(`, childKey, `)${name ? `/${name}` : ""}`],
            verb,
            body: verb === "GET" ? undefined : body,
          })),
      });
    }
    return fc
      .record({
        fallback,
        suffix: fc.oneof(...suffixes),
        ifMatch: fc.oneof(
          { weight: 6, arbitrary: fc.constant({ current: true as const }) },
          { weight: 2, arbitrary: fc.constant("*") },
          { weight: 2, arbitrary: ifMatch },
        ),
        contentType,
      })
      .map(({ fallback: fb, suffix, ifMatch: im, contentType: type }) => {
        const binary = suffix.body?.kind === "app" || suffix.body?.kind === "rapidstart";
        const headersOut: Record<string, string> = {};
        const chosen = binary ? "application/octet-stream" : type;
        if (chosen !== undefined && suffix.body) headersOut["content-type"] = chosen;
        return {
          area: "automation" as const,
          method: suffix.verb,
          path: [{ recent: set.name, fallback: fb }, ...suffix.suffix],
          query: "",
          auth: "token" as const,
          ifMatch: im,
          headers: headersOut,
          body: suffix.body,
        };
      });
  });

  const step = fc.oneof(
    { weight: 5, arbitrary: randomRequest },
    { weight: 2, arbitrary: create },
    { weight: 3, arbitrary: onRecent },
  );
  return fc.array(step, { minLength: 1, maxLength: 6 });
}

interface InsertRoute {
  env: string;
  set: string;
  parent?: string;
  nav?: string;
}

/**
 * Where entities can be created: insertable top-level sets, and insertable navigations of top-level sets, in
 * each environment that offers them.
 */
function insertableRoutes(m: SurfaceModel): InsertRoute[] {
  const routes: InsertRoute[] = [];
  for (const env of m.environments) {
    for (const name of m.available[env] ?? []) {
      const set = m.sets[name];
      if (set.canInsert) routes.push({ env, set: name });
      for (const [nav, child] of Object.entries(set.navigations)) {
        if (m.sets[child].canInsert) routes.push({ env, set: child, parent: name, nav });
      }
    }
  }
  return routes;
}

const method: Arb<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("GET") },
  { weight: 3, arbitrary: fc.constantFrom("POST", "PATCH") },
  { weight: 3, arbitrary: fc.constantFrom("DELETE", "PUT") },
  { weight: 2, arbitrary: fc.constantFrom(...STANDARD_METHODS) },
  { weight: 1, arbitrary: fc.constantFrom("TRACE", "PROPFIND", "MERGE", "SEARCH", "PURGE", "get", "Patch") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][A-Z!#$%&'*+.^_`|~0-9-]{0,9}$/).filter((s) => s !== "CONNECT") },
);

/** `?$filter=…&$top=…`: OData options with plausible and hostile values, sometimes unknown options. */
function queryOptions(m: SurfaceModel): Arb<string> {
  const fields = [...new Set(Object.values(m.sets).flatMap((s) => Object.keys(s.fields)))];
  const navNames = [...new Set([...m.topLevel, ...Object.values(m.sets).flatMap((s) => Object.keys(s.navigations))])];
  const field = fc.constantFrom(...fields);
  const literal = fc.oneof(
    fc.uuid(),
    fc.integer().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    hostileText(3).map((s) => `'${s.replace(/'/g, "''")}'`),
    fc.constantFrom(
      "'A'",
      "''",
      "'''",
      "null",
      "true",
      "2024-01-01",
      "2024-01-01T00:00:00Z",
      "1e400",
      "-0",
      "9007199254740993",
      "'é'",
    ),
  );
  const op = fc.constantFrom("eq", "ne", "gt", "ge", "lt", "le", "has", "in", "EQ");
  const comparison = fc.tuple(field, op, literal).map(([f, o, l]) => `${f} ${o} ${l}`);
  const call = fc
    .tuple(
      fc.constantFrom("contains", "startswith", "endswith", "tolower", "length", "indexof", "substring", "trim", "x"),
      field,
      literal,
    )
    .map(([fn, f, l]) => `${fn}(${f},${l})`);
  const token = fc.oneof(
    field,
    op,
    literal,
    fc.constantFrom("and", "or", "not", "(", ")", ",", "/", "$it", "any(", "x:x", "-", "add", "now()"),
    hostileText(2),
  );
  const filter = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .array(fc.oneof(comparison, call), { minLength: 1, maxLength: 3 })
        .chain((parts) => fc.constantFrom(" and ", " or ").map((j) => parts.join(j))),
    },
    { weight: 2, arbitrary: fc.array(token, { minLength: 1, maxLength: 8 }).map((t) => t.join(" ")) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "(",
        "((((((((((((((((((((((((((((((1",
        "not not not x",
        `${"a eq 1 and ".repeat(200)}a eq 1`,
      ),
    },
  );
  const list = (names: Arb<string>) =>
    fc.array(fc.oneof(names, hostileText(2)), { minLength: 1, maxLength: 4 }).map((x) => x.join(","));
  const option: Arb<[string, string]> = fc.oneof(
    { weight: 4, arbitrary: filter.map((v) => ["$filter", v] as [string, string]) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("$top", "$skip"), intText) },
    {
      weight: 2,
      arbitrary: list(fc.tuple(field, fc.constantFrom("", " asc", " desc", " sideways")).map(([f, d]) => f + d)).map(
        (v) => ["$orderby", v] as [string, string],
      ),
    },
    { weight: 2, arbitrary: list(field).map((v) => ["$select", v] as [string, string]) },
    { weight: 2, arbitrary: list(fc.constantFrom(...navNames)).map((v) => ["$expand", v] as [string, string]) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("true", "false", "TRUE", "1", "x").map((v) => ["$count", v] as [string, string]),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(
        fc.constantFrom("$skiptoken", "$search", "$format", "$apply", "$levels", "$FILTER", "company", "tenant"),
        hostileText(3),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(identifier, hostileText(3)) },
  );
  return fc
    .array(fc.tuple(option, fc.boolean()), { maxLength: 4 })
    .map((pairs) =>
      pairs.length === 0
        ? ""
        : `?${pairs.map(([[name, value], raw]) => `${encodeComponent(name)}=${raw ? encodeTarget(value.replace(RAW_BYTE, "")) : encodeComponent(value)}`).join("&")}`,
    );
}

// ----- Admin Center ---------------------------------------------------------------------------------------------

export function adminRun(m: SurfaceModel): Arb<RequestSpec[]> {
  const b = bodies(m);
  const version = fc.oneof(
    {
      weight: 20,
      arbitrary: fc.constantFrom(
        "v2.0",
        "v2.3",
        "v2.6",
        "v2.8",
        "v2.9",
        "v2.15",
        "v2.21",
        "v2.24",
        "v2.25",
        "v2.28",
        "v2.29",
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom("v2.30", "v1.0", "v2.07", "V2.29", "v3.0", "v2.-1", "") },
    { weight: 1, arbitrary: hostileText(2) },
  );
  const family = fc.oneof(
    { weight: 8, arbitrary: fc.constant("BusinessCentral") },
    { weight: 2, arbitrary: fc.constantFrom("businesscentral", "PowerBI", "") },
    { weight: 1, arbitrary: hostileText(2) },
  );
  const envName = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...m.environments) },
    {
      weight: 3,
      arbitrary: fc.constantFrom("fuzzenv", "FuzzEnv", "sandbox-new", "a".repeat(31), "1abc", "x y", "production2"),
    },
    { weight: 1, arbitrary: hostileText(3) },
  );
  const appId = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.constantFrom(
        ...CATALOG_APPS,
        ...((m.values.id as string[]) ?? []).filter((v) => typeof v === "string"),
      ),
    },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: hostileText(3) },
  );
  const appAction = fc.oneof(
    fc.constantFrom(
      "install",
      "update",
      "update/cancel",
      "uninstall",
      "uninstallRequirements",
      "removeScheduledPteVersion",
      "operations",
    ),
    fc.uuid().map((id) => `operations/${id}`),
    hostileText(2),
  );
  const envPath = fc.tuple(family, envName).map(([f, e]) => `applications/${f}/environments/${e}`);
  const path = fc.oneof(
    fc.constantFrom(
      "applications",
      "applications/BusinessCentral/environments",
      "environments/operations",
      "environments/quotas",
      "authorizedAadApps",
      "authorizedAadApps/manageableTenants",
      "",
      "applications/BusinessCentral/environments/operations",
    ),
    fc.uuid().map((id) => `environments/operations/${id}`),
    envName.map((e) => `environments/${e}/operations`),
    fc.oneof(fc.uuid(), fc.constant(m.tenantId), hostileText(2)).map((id) => `authorizedAadApps/${id}`),
    fc
      .tuple(family, fc.constantFrom("US", "DK", "xx"), fc.constantFrom("PROD", "PREVIEW", "x"))
      .map(([f, c, r]) => `applications/${f}/Countries/${c}/Rings/${r}`),
    envPath,
    fc
      .tuple(
        envPath,
        fc.constantFrom(
          "/copy",
          "/recover",
          "/operations",
          "/apps",
          "/apps/availableUpdates",
          "/apps/pteInstall",
          "/apps/scheduledPteOperations",
          "/settings",
          "/",
        ),
      )
      .map(([p, s]) => p + s),
    fc.tuple(envPath, appId, appAction).map(([p, id, a]) => `${p}/apps/${id}/${a}`),
    hostileText(6),
  );
  const adminValue = fc.oneof(
    fc.constantFrom(
      "Production",
      "Sandbox",
      "US",
      "DK",
      "PROD",
      "PREVIEW",
      "29.0.0.0",
      "1.0.0.0",
      "2.0.0.0",
      "en-US",
      "Immediate",
      "UpdateWindow",
      "Add",
      "ForceSync",
    ),
    fc.boolean(),
    fc.constantFrom(...m.environments, "fuzzenv"),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const adminField = fc.oneof(
    fc.constantFrom(
      "environmentType",
      "countryCode",
      "ringName",
      "applicationVersion",
      "environmentName",
      "type",
      "targetVersion",
      "acceptIsvEula",
      "AcceptIsvEula",
      "languageId",
      "installOrUpdateNeededDependencies",
      "useEnvironmentUpdateWindow",
      "allowPreviewVersion",
      "deleteData",
      "uninstallDependents",
      "scheduleKind",
      "ScheduledOperationId",
      "NewEnvironmentName",
    ),
    identifier,
  );
  const adminObject = fc.array(fc.tuple(adminField, adminValue), { maxLength: 6 }).map((e) => Object.fromEntries(e));
  const multipart: Arb<BodySpec> = fc
    .array(
      fc.oneof(
        b.file.map((body) => ({ name: "extensionFile", filename: "fuzz.app", body })),
        fc
          .tuple(
            fc.constantFrom(
              "acceptIsvEula",
              "deploymentSchedule",
              "syncMode",
              "languageId",
              "installOrUpdateNeededDependencies",
              "x",
            ),
            fc.constantFrom("true", "false", "Immediate", "Add", "ForceSync", "x", ""),
          )
          .map(([name, text]) => ({ name, body: { kind: "text" as const, text } })),
        b.hostileBody.map((body) => ({ name: "extensionFile", filename: "x.zip", body })),
      ),
      { maxLength: 4 },
    )
    .map((parts) => ({ kind: "multipart" as const, boundary: "fuzzboundary", parts }));
  const body: Arb<{ body?: BodySpec; type?: string }> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    {
      weight: 6,
      arbitrary: adminObject.map((value) => ({ body: { kind: "json" as const, value }, type: "application/json" })),
    },
    { weight: 2, arbitrary: multipart.map((mp) => ({ body: mp, type: "multipart/form-data; boundary=fuzzboundary" })) },
    { weight: 2, arbitrary: fc.tuple(b.hostileBody, contentType).map(([hb, type]) => ({ body: hb, type })) },
  );
  const randomRequest: Arb<RequestSpec> = fc
    .record({
      version,
      path,
      method,
      auth,
      body,
      query: fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: queryOptions(m) }),
    })
    .map(
      ({ version: v, path: p, method: verb, auth: a, body: bd, query: q }): RequestSpec => ({
        area: "admin",
        method: verb,
        path: [`/admin/${v}/${p}`],
        query: q,
        auth: a,
        headers: bd.type === undefined ? {} : { "content-type": bd.type },
        body: bd.body,
      }),
    );

  // Guided: the documented operations with plausible bodies (sometimes one property changed), so sequences
  // create, copy, delete and recover environments and install, update and uninstall apps.
  const guidedVersion = fc.oneof(
    { weight: 6, arbitrary: fc.constant("v2.29") },
    { weight: 2, arbitrary: fc.constantFrom("v2.28", "v2.24", "v2.21", "v2.15", "v2.8", "v2.3") },
  );
  const existing = fc.constantFrom(...m.environments);
  const fresh = fc.constantFrom("fuzzenv", "fuzzenv2");
  const anyEnv = fc.oneof(existing, fresh);
  const env = (name: string) => `applications/BusinessCentral/environments/${name}`;
  const catalogApp = fc.constantFrom(...CATALOG_APPS);
  const versions = fc.constantFrom(
    "1.0.0.0",
    "1.2.0.0",
    "2.0.0.0",
    "3.1.0.0",
    "3.2.0.0",
    "5.0.0.0",
    "5.1.0.0",
    "6.0.0.0",
    "0.9.5.0",
    "9.9.9.9",
  );
  const opt = <T>(arb: Arb<T>) => fc.option(arb, { nil: undefined });
  const tweak = fc.option(fc.tuple(adminField, adminValue), { nil: undefined, freq: 4 });
  type Guided = { verb: string; path: string; json?: Record<string, unknown>; multipart?: BodySpec };
  const guided: Arb<Guided> = fc.oneof(
    fc.constantFrom("GET").chain(() =>
      fc
        .oneof(
          anyEnv.map((e) => env(e)),
          fc.constant("applications/BusinessCentral/environments"),
          fc.constant("environments/operations"),
          anyEnv.map((e) => `${env(e)}/operations`),
          anyEnv.map((e) => `${env(e)}/apps`),
          anyEnv.map((e) => `${env(e)}/apps/availableUpdates`),
          anyEnv.map((e) => `${env(e)}/apps/scheduledPteOperations`),
          fc
            .tuple(anyEnv, catalogApp, fc.constantFrom("operations", "uninstallRequirements"))
            .map(([e, a, x]) => `${env(e)}/apps/${a}/${x}`),
          fc.constant("authorizedAadApps"),
        )
        .map((path) => ({ verb: "GET", path })),
    ),
    fc
      .record({
        name: fresh,
        environmentType: fc.constantFrom("Sandbox", "Production"),
        countryCode: fc.constantFrom("US", "DK"),
        ringName: opt(fc.constantFrom("PROD", "PREVIEW")),
        applicationVersion: opt(fc.constantFrom("29.1.41238.0", "24.5.23489.0", "25.4.30000.0")),
      })
      .map(({ name, ...json }) => ({ verb: "PUT", path: env(name), json })),
    fc
      .record({ from: existing, environmentName: fresh, type: fc.constantFrom("Sandbox", "Production") })
      .map(({ from, ...json }) => ({ verb: "POST", path: `${env(from)}/copy`, json })),
    anyEnv.map((e) => ({ verb: "DELETE", path: env(e) })),
    anyEnv.map((e) => ({ verb: "POST", path: `${env(e)}/recover` })),
    fc
      .record({
        e: anyEnv,
        app: catalogApp,
        acceptIsvEula: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.boolean() }),
        targetVersion: opt(versions),
        installOrUpdateNeededDependencies: opt(fc.boolean()),
        useEnvironmentUpdateWindow: opt(fc.boolean()),
        allowPreviewVersion: opt(fc.boolean()),
        languageId: opt(fc.constantFrom("en-US", "da-DK")),
      })
      .map(({ e, app, ...json }) => ({ verb: "POST", path: `${env(e)}/apps/${app}/install`, json })),
    fc
      .record({
        e: anyEnv,
        app: catalogApp,
        targetVersion: versions,
        useEnvironmentUpdateWindow: opt(fc.boolean()),
        allowPreviewVersion: opt(fc.boolean()),
        installOrUpdateNeededDependencies: opt(fc.boolean()),
      })
      .map(({ e, app, ...json }) => ({ verb: "POST", path: `${env(e)}/apps/${app}/update`, json })),
    fc
      .record({ e: anyEnv, app: catalogApp, uninstallDependents: opt(fc.boolean()), deleteData: opt(fc.boolean()) })
      .map(({ e, app, ...json }) => ({ verb: "POST", path: `${env(e)}/apps/${app}/uninstall`, json })),
    fc
      .tuple(
        anyEnv,
        b.file,
        fc.constantFrom("Immediate", "UpdateWindow", "NextMinorUpdate", "NextMajorUpdate", "x"),
        fc.constantFrom("Add", "ForceSync"),
      )
      .map(([e, file, schedule, sync]) => ({
        verb: "POST",
        path: `${env(e)}/apps/pteInstall`,
        multipart: {
          kind: "multipart" as const,
          boundary: "fuzzboundary",
          parts: [
            { name: "extensionFile", filename: "fuzz.app", body: file },
            { name: "acceptIsvEula", body: { kind: "text" as const, text: "true" } },
            { name: "deploymentSchedule", body: { kind: "text" as const, text: schedule } },
            { name: "syncMode", body: { kind: "text" as const, text: sync } },
          ],
        },
      })),
    fc
      .tuple(fc.constantFrom("PUT", "DELETE"), fc.oneof(fc.uuid(), fc.constant(NO_ROLE_CLIENT)))
      .map(([verb, id]) => ({ verb, path: `authorizedAadApps/${id}` })),
  );
  const guidedRequest: Arb<RequestSpec> = fc.tuple(guidedVersion, guided, tweak).map(([v, g, t]): RequestSpec => {
    const json = g.json && t ? { ...g.json, [t[0]]: t[1] } : g.json;
    return {
      area: "admin",
      method: g.verb,
      path: [`/admin/${v}/${g.path}`],
      query: "",
      auth: "token",
      headers: g.multipart
        ? { "content-type": "multipart/form-data; boundary=fuzzboundary" }
        : json
          ? { "content-type": "application/json" }
          : {},
      body: g.multipart ?? (json ? { kind: "json", value: json } : undefined),
    };
  });
  return fc.array(fc.oneof({ weight: 2, arbitrary: randomRequest }, { weight: 3, arbitrary: guidedRequest }), {
    minLength: 1,
    maxLength: 6,
  });
}

// ----- Entra ----------------------------------------------------------------------------------------------------

export function entraRun(m: SurfaceModel, clientId: string, secret: string): Arb<RequestSpec[]> {
  const tenant = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(m.tenantId, ...m.tenantDomains) },
    { weight: 2, arbitrary: fc.constantFrom("common", "organizations", "consumers", "COMMON") },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom("contoso.onmicrosoft.com", "a..b", "-x-", "x".repeat(300)) },
    { weight: 1, arbitrary: hostileText(3) },
  );
  const route = fc.oneof(
    { weight: 6, arbitrary: fc.constant("oauth2/v2.0/token") },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "v2.0/.well-known/openid-configuration",
        ".well-known/openid-configuration",
        "discovery/instance",
        "discovery/v2.0/keys",
        "discovery/keys",
        "oauth2/v2.0/authorize",
        "oauth2/v2.0/devicecode",
        "oauth2/v2.0/logout",
        "oauth2/token",
        "oauth2/authorize",
      ),
    },
  );
  const param = fc.oneof(
    fc.tuple(
      fc.constant("grant_type"),
      fc.oneof(
        fc.constantFrom(
          "client_credentials",
          "password",
          "authorization_code",
          "refresh_token",
          "",
          "CLIENT_CREDENTIALS",
        ),
        hostileText(2),
      ),
    ),
    fc.tuple(
      fc.constant("client_id"),
      fc.oneof(fc.constantFrom(clientId, clientId.toUpperCase(), ""), fc.uuid(), hostileText(2)),
    ),
    fc.tuple(fc.constant("client_secret"), fc.oneof(fc.constantFrom(secret, `${secret}x`, ""), hostileText(3))),
    fc.tuple(
      fc.constant("scope"),
      fc.oneof(
        fc.constantFrom(
          "https://api.businesscentral.dynamics.com/.default",
          "https://api.businesscentral.dynamics.com/",
          "https://api.businesscentral.dynamics.com//.default",
          "996def3d-b36c-4153-8607-a6fd3c01b89f/.default",
          "https://graph.microsoft.com/.default",
          "openid",
          "openid https://api.businesscentral.dynamics.com/.default offline_access",
          "/.default",
          "",
        ),
        hostileText(3),
      ),
    ),
    fc.tuple(
      fc.constant("client_assertion_type"),
      fc.constantFrom("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "x", ""),
    ),
    fc.tuple(
      fc.constant("client_assertion"),
      fc.oneof(
        hostileText(4),
        fc.tuple(fc.jsonValue(), fc.jsonValue()).map(([h, p]) => `${base64url(h)}.${base64url(p)}.sig`),
        fc
          .record({
            iss: fc.constantFrom(clientId, "x"),
            sub: fc.constantFrom(clientId, "x"),
            aud: fc.string(),
            exp: fc.integer(),
            jti: fc.uuid(),
          })
          .map((claims) => `${base64url({ alg: "RS256", typ: "JWT", x5t: "AAAA" })}.${base64url(claims)}.c2ln`),
      ),
    ),
    fc.tuple(identifier, hostileText(2)),
  );
  // A valid client-credentials request, then at most two changes: a parameter dropped, replaced or duplicated.
  const valid: [string, string][] = [
    ["grant_type", "client_credentials"],
    ["client_id", clientId],
    ["client_secret", secret],
    ["scope", "https://api.businesscentral.dynamics.com/.default"],
  ];
  const change = fc.oneof(
    fc.nat(3).map((i) => (params: [string, string][]) => params.filter((_, j) => j !== i)),
    param.map((p) => (params: [string, string][]) => [...params.filter(([name]) => name !== p[0]), p]),
    param.map((p) => (params: [string, string][]) => [...params, p]),
  );
  const mutated = fc.array(change, { maxLength: 2 }).map((changes) => changes.reduce((params, f) => f(params), valid));
  const form = fc.oneof({ weight: 2, arbitrary: fc.array(param, { maxLength: 7 }) }, { weight: 3, arbitrary: mutated });
  const body: Arb<{ body?: BodySpec; type?: string }> = fc.oneof(
    {
      weight: 8,
      arbitrary: form.map((params) => ({
        body: { kind: "form" as const, params },
        type: "application/x-www-form-urlencoded",
      })),
    },
    {
      weight: 1,
      arbitrary: form.map((params) => ({ body: { kind: "form" as const, params }, type: "application/json" })),
    },
    { weight: 1, arbitrary: fc.tuple(bodies(m).hostileBody, contentType).map(([bd, type]) => ({ body: bd, type })) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.constant({
        body: { kind: "huge" as const, property: "client_id", megabytes: 1 },
        type: "application/x-www-form-urlencoded",
      }),
    },
  );
  const basic = fc.oneof(
    fc
      .tuple(fc.oneof(fc.constant(clientId), fc.uuid()), fc.oneof(fc.constant(secret), hostileText(2)))
      .map(([id, s]) => ({
        raw: `Basic ${Buffer.from(`${encodeComponent(id)}:${encodeComponent(s)}`).toString("base64")}`,
      })),
    fc.constantFrom(
      { raw: "Basic" },
      { raw: "Basic !!!" },
      { raw: `Basic ${Buffer.from("nocolon").toString("base64")}` },
    ),
  );
  const request: Arb<RequestSpec> = fc
    .record({
      tenant,
      route,
      verb: fc.oneof({ weight: 6, arbitrary: fc.constantFrom("POST", "GET") }, { weight: 1, arbitrary: method }),
      body,
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constant("none" as const) },
        { weight: 1, arbitrary: basic },
        { weight: 1, arbitrary: auth },
      ),
      extra: fc.record({ "client-request-id": fc.oneof(fc.uuid(), headerText) }, { requiredKeys: [] }),
      query: fc.oneof(
        { weight: 5, arbitrary: fc.constant("") },
        { weight: 1, arbitrary: fc.tuple(identifier, hostileText(2)).map(([k, v]) => `?${k}=${encodeComponent(v)}`) },
      ),
      oidc: fc.oneof(
        { weight: 9, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.tuple(
            fc.oneof(fc.constantFrom("ci", "github"), hostileText(2)),
            fc.constantFrom("jwks", ".well-known/openid-configuration", "x"),
          ),
        },
      ),
    })
    .map(({ tenant: t, route: r, verb, body: bd, auth: a, extra, query: q, oidc }) => ({
      area: "entra" as const,
      method: verb,
      path: [oidc ? `/_oidc/${oidc[0]}/${oidc[1]}` : `/${t}/${r}`],
      query: q,
      auth: a,
      headers: bd.type === undefined ? { ...extra } : { ...extra, "content-type": bd.type },
      body: bd.body,
    }));
  return fc.array(request, { minLength: 1, maxLength: 4 });
}

// ----- Junk -----------------------------------------------------------------------------------------------------

/** Anything at all: random methods, targets (dot segments, `//`, bad escapes, raw bytes), headers and bodies. */
export function junkRun(m: SurfaceModel): Arb<RequestSpec[]> {
  const b = bodies(m);
  const prefixes = fc.constantFrom(
    "",
    "/v2.0",
    "/admin",
    "/admin/v2.29",
    `/${m.tenantId}`,
    "/_oidc",
    `/v2.0/${m.tenantId}/${m.environments[0]}/api/microsoft/automation/v2.0`,
  );
  const target = fc.oneof(
    fc.tuple(prefixes, hostileText(8)).map(([p, s]) => `${p}/${s}`),
    fc
      .tuple(
        fc.constantFrom("/admin/../", "/./admin/", "//admin/", "/v2.0/../admin/", "/x/../v2.0/", "/%2e%2e/", "//"),
        prefixes,
        hostileText(4),
      )
      .map(([dots, p, s]) => `${dots}${p.replace(/^\//, "")}/${s}`),
    fc.webPath().map((p) => p || "/"),
  );
  const request: Arb<RequestSpec> = fc
    .record({
      target,
      method,
      auth,
      headers,
      ifMatch,
      body: b.bodyFor(undefined),
      query: fc.oneof(fc.constant(""), queryOptions(m)),
    })
    .map(({ target: t, method: verb, auth: a, headers: h, ifMatch: im, body, query: q }) => ({
      area: "junk" as const,
      method: verb,
      path: [t],
      query: q,
      auth: a,
      ifMatch: im,
      headers: h,
      body,
    }));
  return fc.array(request, { minLength: 1, maxLength: 4 });
}
