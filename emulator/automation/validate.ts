import { BcError, badRequest } from "../errors";
import { decodeMemberName } from "./odata/member-names";
import { activeFields, type AnyEntitySet, type AutomationContext, type FieldSpec } from "./entity";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EDM: Record<FieldSpec["type"], string> = {
  string: "Edm.String",
  enum: "Edm.String",
  guid: "Edm.Guid",
  int: "Edm.Int32",
  decimal: "Edm.Decimal",
  bool: "Edm.Boolean",
  datetime: "Edm.DateTimeOffset",
  date: "Edm.Date",
};

/** Parses a JSON request body, refusing what BC's OData layer refuses. */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (!contentType || !/^application\/json\b/i.test(contentType)) {
    throw new BcError(
      415,
      "BadRequest",
      `The content type '${contentType ?? ""}' is not supported. Use 'application/json'.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest("Invalid Request Body: the request body is not valid JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("Invalid Request Body: a JSON object was expected.");
  }
  return value as Record<string, unknown>;
}

/**
 * Checks a POST/PATCH body against the page's fields and returns it normalised: property names resolved,
 * option captions canonicalised, Code fields upper-cased. OData annotations (`@odata.*`) are ignored.
 */
export function validateBody(
  def: AnyEntitySet,
  ctx: AutomationContext,
  body: Record<string, unknown>,
  mode: "insert" | "modify",
): Record<string, unknown> {
  const fields = activeFields(def, ctx.features);
  const out: Record<string, unknown> = {};
  for (const [rawName, value] of Object.entries(body)) {
    if (rawName.includes("@odata.")) continue;
    const name = resolveName(rawName, fields, ctx.behaviour.caseInsensitiveProperties);
    if (!name) {
      throw badRequest(
        `The property '${rawName}' does not exist on type 'Microsoft.NAV.${def.entityType}'. Make sure to only use property names that are defined by the type.`,
      );
    }
    const spec = fields[name];
    if (!spec.editable) {
      // BC may silently overwrite such a field or refuse it as read-only; the docs do not say.
      if (mode === "insert" && spec.ignoredOnInsert && !ctx.behaviour.rejectCompanyNameOnInsert) continue;
      // Keys echoed back unchanged are harmless on PATCH (clients often send the whole entity).
      if (mode === "modify" && def.keys.some((k) => k.name === name)) continue;
      throw new BcError(400, "BadRequest_InvalidOperation", `Control '${name}' is read-only.`);
    }
    out[name] = convert(name, spec, value);
  }
  return out;
}

function resolveName(raw: string, fields: Record<string, FieldSpec>, caseInsensitive: boolean): string | undefined {
  if (raw in fields) return raw;
  if (!caseInsensitive) return undefined;
  return Object.keys(fields).find((f) => f.toLowerCase() === raw.toLowerCase());
}

function convert(name: string, spec: FieldSpec, value: unknown): unknown {
  const mismatch = () =>
    badRequest(
      `Cannot convert the literal '${String(value)}' to the expected type '${EDM[spec.type]}' of property '${name}'.`,
    );
  switch (spec.type) {
    case "string": {
      if (typeof value !== "string") throw mismatch();
      const text = spec.code ? value.toUpperCase() : value;
      checkLength(name, spec, text);
      return text;
    }
    case "enum": {
      if (typeof value !== "string") throw mismatch();
      const match = enumMember(spec, value);
      if (match === undefined) {
        throw new BcError(
          400,
          "BadRequest",
          `'${value}' is not an option. The existing options are: ${(spec.enumValues ?? []).join(",")}`,
        );
      }
      return match;
    }
    case "guid":
      if (typeof value !== "string" || !GUID.test(value)) {
        throw new BcError(
          400,
          "Application_InvalidGUID",
          `The value '${String(value)}' of '${name}' is not a valid GUID.`,
        );
      }
      return value.toLowerCase();
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > 2147483647) throw mismatch();
      return value;
    case "decimal":
      if (typeof value !== "number" || !Number.isFinite(value)) throw mismatch();
      return value;
    case "bool":
      if (typeof value !== "boolean") throw mismatch();
      return value;
    case "datetime":
    case "date":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw mismatch();
      return value;
  }
}

/** The member an input names: by member name, its `_xHHHH_` encoding or its caption. */
function enumMember(spec: FieldSpec, input: string): string | undefined {
  const wanted = decodeMemberName(input).toLowerCase();
  const members = spec.enumValues ?? [];
  return (
    members.find((name) => name.toLowerCase() === wanted) ??
    members.find((name) => spec.enumCaptions?.[name]?.toLowerCase() === wanted)
  );
}

function checkLength(name: string, spec: FieldSpec, text: string) {
  if (spec.notBlank && text.trim() === "") {
    throw new BcError(400, "BadRequest_RequiredParamNotProvided", `${name} must not be blank.`);
  }
  if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    throw new BcError(
      400,
      "Application_StringExceededLength",
      `The length of the string is ${text.length}, but it must be less than or equal to ${spec.maxLength} characters. Value: ${text}`,
    );
  }
}

/** NotBlank fields missing from an insert body. */
export function requireFields(def: AnyEntitySet, ctx: AutomationContext, body: Record<string, unknown>) {
  for (const [name, spec] of Object.entries(activeFields(def, ctx.features))) {
    if (spec.notBlank && spec.editable && (body[name] === undefined || body[name] === "")) {
      throw new BcError(400, "BadRequest_RequiredParamNotProvided", `${name} must not be blank.`);
    }
  }
}
