/**
 * `$filter` parser and type checker (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/use-filter-expressions-in-odata-uris).
 *
 * Grammar, lowest precedence first (OData v4 as Microsoft.OData.Core parses it for BC):
 *   or  ::= and ("or" and)*
 *   and ::= cmp ("and" cmp)*
 *   cmp ::= unary [("eq"|"ne"|"lt"|"gt"|"le"|"ge") unary | "in" "(" literal ("," literal)* ")"]
 *   unary ::= "not" unary | primary
 *   primary ::= "(" or ")" | literal | property | function "(" args ")"
 * `not` binds tighter than comparisons, as in the OData spec: write `not (a eq 1)` or `not contains(a,'x')`.
 *
 * On top of OData, BC translates a filter into AL record filters, which adds restrictions we reproduce:
 * - every condition compares one property with constant values (no property-to-property comparisons, no
 *   bare `true`);
 * - `or` may only combine conditions on the same property; otherwise 501 BadRequest_MethodNotImplemented
 *   "The 'OR' operator is not supported on distinct fields on an OData filter." [DOC odata-known-limitations;
 *   status and code observed in client code calling BC online: 501 + BadRequest_MethodNotImplemented];
 * - `in` only with `$schemaversion=2.1`, else 501 BadRequest_MethodNotImplemented [DOC + OBS].
 *
 * And/or are n-ary nodes so a long chain is a flat list; recursion only grows with parentheses, `not` and
 * function nesting, which MAX_DEPTH bounds — a hostile filter can neither overflow the stack nor hang.
 */
import { BcError, badRequest } from "../../errors";
import { type LiteralValue, quoteExpr, syntaxError, type Token, tokenize } from "./filter-lexer";
import { EDM_NAMES, type EntityShape, type FieldType } from "./types";

export type CompareOp = "eq" | "ne" | "lt" | "gt" | "le" | "ge";
export type FunctionName = "contains" | "startswith" | "endswith" | "tolower" | "toupper" | "substring";
export type OperandType = FieldType | "null";

/**
 * A checked filter expression. Literal values are pre-normalized for evaluation: GUIDs lower-case,
 * datetimes as epoch milliseconds, dates as `YYYY-MM-DD`, enums as their member name.
 */
export type FilterNode =
  | { kind: "literal"; type: OperandType; value: LiteralValue; pos: number }
  | { kind: "field"; name: string; type: FieldType; pos: number }
  | { kind: "call"; name: FunctionName; args: FilterNode[]; type: "string" | "bool"; pos: number }
  /** Normalized so the property side is `left`; `operandType` is the type both sides are compared as. */
  | { kind: "compare"; op: CompareOp; left: FilterNode; right: FilterNode; operandType: OperandType; pos: number }
  | { kind: "in"; left: FilterNode; values: FilterNode[]; operandType: OperandType; pos: number }
  | { kind: "and" | "or"; operands: FilterNode[]; pos: number }
  | { kind: "not"; operand: FilterNode; pos: number };

export interface FilterParseOptions {
  /** `in` is only understood with `$schemaversion=2.1` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/use-filter-expressions-in-odata-uris). */
  allowIn?: boolean;
}

export const MAX_DEPTH = 100;

const COMPARE_OPS = new Set<string>(["eq", "ne", "lt", "gt", "le", "ge"]);
const KEYWORDS = new Set<string>([...COMPARE_OPS, "and", "or", "not", "in"]);
const OP_KIND: Record<CompareOp, string> = {
  eq: "Equal",
  ne: "NotEqual",
  lt: "LessThan",
  gt: "GreaterThan",
  le: "LessThanOrEqual",
  ge: "GreaterThanOrEqual",
};
const FLIP: Record<CompareOp, CompareOp> = { eq: "eq", ne: "ne", lt: "gt", gt: "lt", le: "ge", ge: "le" };

/** Function signatures: argument types (the first always a property expression) and the result type. */
const FUNCTIONS: Record<FunctionName, { args: ("string" | "int")[][]; result: "string" | "bool" }> = {
  contains: { args: [["string", "string"]], result: "bool" },
  startswith: { args: [["string", "string"]], result: "bool" },
  endswith: { args: [["string", "string"]], result: "bool" },
  tolower: { args: [["string"]], result: "string" },
  toupper: { args: [["string"]], result: "string" },
  substring: {
    args: [
      ["string", "int"],
      ["string", "int", "int"],
    ],
    result: "string",
  },
};

const edm = (t: OperandType) => EDM_NAMES[t];
const isNumeric = (t: OperandType) => t === "int" || t === "decimal";

/** Parses and checks a `$filter` value against the entity's properties. Throws only BcError. */
export function parseFilter(text: string, entity: EntityShape, options: FilterParseOptions = {}): FilterNode {
  const parser = new Parser(text, tokenize(text), entity, options);
  const node = parser.parseExpression();
  parser.expectEnd();
  if (typeOf(node) !== "bool") throw badRequest("The $filter expression must evaluate to a single boolean value.");
  requireCondition(node, text);
  checkOrFields(node);
  return node;
}

export function typeOf(node: FilterNode): OperandType {
  switch (node.kind) {
    case "literal":
    case "field":
    case "call":
      return node.type;
    default:
      return "bool";
  }
}

/** Distinct property names referenced below `node` (bounded by MAX_DEPTH, so plain recursion is safe). */
export function fieldsOf(node: FilterNode, into: Set<string> = new Set()): Set<string> {
  switch (node.kind) {
    case "field":
      into.add(node.name);
      break;
    case "call":
      for (const a of node.args) fieldsOf(a, into);
      break;
    case "compare":
      fieldsOf(node.left, into);
      fieldsOf(node.right, into);
      break;
    case "in":
      fieldsOf(node.left, into);
      break;
    case "and":
    case "or":
      for (const o of node.operands) fieldsOf(o, into);
      break;
    case "not":
      fieldsOf(node.operand, into);
      break;
  }
  return into;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly entity: EntityShape,
    private readonly options: FilterParseOptions,
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.t === "ident" && t.text === word;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.t !== "eof") throw syntaxError(t.pos, this.text);
  }

  /** Guards every recursive descent: ODL's own limit message, raised before the JS stack could overflow. */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw badRequest("Recursion depth exceeded allowed limit.");
  }

  parseExpression(): FilterNode {
    this.enter();
    const node = this.parseLogical("or", () => this.parseLogical("and", () => this.parseComparison()));
    this.depth--;
    return node;
  }

  private parseLogical(kind: "and" | "or", next: () => FilterNode): FilterNode {
    const first = next();
    if (!this.isKeyword(kind)) return first;
    const operands = [first];
    while (this.isKeyword(kind)) {
      this.i++;
      operands.push(next());
    }
    const bad = operands.findIndex((o) => typeOf(o) !== "bool");
    if (bad >= 0) {
      const [l, r] = bad === 0 ? [operands[0], operands[1]] : [operands[bad - 1], operands[bad]];
      throw this.binaryTypeError(typeOf(l), typeOf(r), kind === "and" ? "And" : "Or");
    }
    return { kind, operands, pos: first.pos };
  }

  private parseComparison(): FilterNode {
    const left = this.parseUnary();
    const t = this.peek();
    if (t.t !== "ident") return left;
    if (COMPARE_OPS.has(t.text)) {
      this.i++;
      const right = this.parseUnary();
      return this.makeCompare(t.text as CompareOp, left, right, t.pos);
    }
    if (t.text === "in") {
      if (!this.options.allowIn) {
        throw new BcError(
          501,
          "BadRequest_MethodNotImplemented",
          "The 'in' operator is only supported with $schemaversion=2.1.",
        );
      }
      this.i++;
      return this.parseIn(left, t.pos);
    }
    return left;
  }

  private parseIn(left: FilterNode, pos: number): FilterNode {
    this.expect("(");
    const values: FilterNode[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t !== "lit") throw t.t === "eof" ? this.expressionExpected(t.pos) : syntaxError(t.pos, this.text);
      this.i++;
      values.push({ kind: "literal", type: t.type, value: t.value, pos: t.pos });
      const sep = this.peek();
      if (sep.t === ")") break;
      if (sep.t !== ",") throw badRequest(`')' or ',' expected at position ${sep.pos} in '${quoteExpr(this.text)}'.`);
      this.i++;
    }
    this.i++;
    if (fieldsOf(left).size !== 1) throw this.notTranslatable(left.pos);
    let operandType: OperandType = typeOf(left);
    for (const v of values) operandType = this.comparable(left, v, "eq");
    return { kind: "in", left, values, operandType, pos };
  }

  private parseUnary(): FilterNode {
    if (!this.isKeyword("not")) return this.parsePrimary();
    const pos = this.peek().pos;
    this.i++;
    this.enter();
    const operand = this.parseUnary();
    this.depth--;
    if (typeOf(operand) !== "bool") {
      throw badRequest(
        `A unary operator with an incompatible type was detected. Found operand type '${edm(typeOf(operand))}' for operator kind 'Not'.`,
      );
    }
    return { kind: "not", operand, pos };
  }

  private parsePrimary(): FilterNode {
    const t = this.peek();
    switch (t.t) {
      case "(": {
        this.i++;
        const inner = this.parseExpression();
        const close = this.peek();
        if (close.t !== ")") {
          throw badRequest(`')' or operator expected at position ${close.pos} in '${quoteExpr(this.text)}'.`);
        }
        this.i++;
        return inner;
      }
      case "lit":
        this.i++;
        return { kind: "literal", type: t.type, value: t.value, pos: t.pos };
      case "ident": {
        this.i++;
        if (this.peek().t === "(") return this.parseCall(t.text, t.pos);
        if (KEYWORDS.has(t.text)) throw syntaxError(t.pos, this.text);
        const type = Object.hasOwn(this.entity.fields, t.text) ? this.entity.fields[t.text] : undefined;
        if (!type) throw unknownProperty(t.text, this.entity.name);
        return { kind: "field", name: t.text, type, pos: t.pos };
      }
      case "eof":
        throw this.expressionExpected(t.pos);
      default:
        throw syntaxError(t.pos, this.text);
    }
  }

  private parseCall(name: string, pos: number): FilterNode {
    if (!Object.hasOwn(FUNCTIONS, name)) {
      throw badRequest(
        `An unknown function with name '${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
      );
    }
    const fn = name as FunctionName;
    this.i++; // '('
    const args: FilterNode[] = [];
    if (this.peek().t !== ")") {
      for (;;) {
        args.push(this.parseExpression());
        const sep = this.peek();
        if (sep.t === ")") break;
        if (sep.t !== ",") throw badRequest(`')' or ',' expected at position ${sep.pos} in '${quoteExpr(this.text)}'.`);
        this.i++;
      }
    }
    this.i++; // ')'
    const spec = FUNCTIONS[fn];
    const matches = spec.args.some(
      (sig) => sig.length === args.length && sig.every((want, k) => argFits(typeOf(args[k]), want)),
    );
    if (!matches) {
      const sigs = spec.args.map((sig) => `${fn}(${sig.map((a) => `${edm(a)} Nullable=true`).join(", ")})`);
      throw badRequest(
        `No function signature for the function with name '${fn}' matches the specified arguments. The function signatures considered are: ${sigs.join("; ")}.`,
      );
    }
    // AL filters apply to a property: the first argument must be (a function of) exactly one property and
    // the rest constants, e.g. contains(displayName,'x') but not contains('x',displayName).
    if (fieldsOf(args[0]).size !== 1 || args.slice(1).some((a) => fieldsOf(a).size > 0)) {
      throw this.notTranslatable(pos);
    }
    return { kind: "call", name: fn, args, type: spec.result, pos };
  }

  private makeCompare(op: CompareOp, left: FilterNode, right: FilterNode, pos: number): FilterNode {
    const lf = fieldsOf(left).size;
    const rf = fieldsOf(right).size;
    // Checked types first, as ODL does before BC translates to an AL filter.
    const operandType = lf === 0 && rf > 0 ? this.comparable(right, left, FLIP[op]) : this.comparable(left, right, op);
    if (lf + rf === 0 || (lf > 0 && rf > 0) || lf > 1 || rf > 1) throw this.notTranslatable(pos);
    if (lf === 0) return { kind: "compare", op: FLIP[op], left: right, right: left, operandType, pos };
    return { kind: "compare", op, left, right, operandType, pos };
  }

  /** The type two operands are compared as, or a 400 naming the property (ODL's wording plus the name). */
  private comparable(prop: FilterNode, value: FilterNode, op: CompareOp): OperandType {
    const a = typeOf(prop);
    const b = typeOf(value);
    const equality = op === "eq" || op === "ne";
    const fail = () => this.binaryTypeError(a, b, OP_KIND[op], [...fieldsOf(prop), ...fieldsOf(value)][0]);
    if (a === "null" || b === "null") {
      if (!equality) throw fail();
      return a === "null" ? b : a;
    }
    if (isNumeric(a) && isNumeric(b)) return a === "decimal" || b === "decimal" ? "decimal" : "int";
    // Enum properties compare with their member names written as strings (`status eq 'Completed'`).
    const enumLike = (a === "enum" && (b === "enum" || b === "string")) || (b === "enum" && a === "string");
    if (a !== b && !enumLike) throw fail();
    if (enumLike || a === "enum") {
      // Real BC orders options by ordinal, which the emulator's string rows do not carry.
      if (!equality) {
        throw badRequest(
          `The operator '${OP_KIND[op]}' is not supported by the emulator on enum property '${[...fieldsOf(prop)][0]}'; use eq, ne or in.`,
        );
      }
      return "enum";
    }
    return a;
  }

  private binaryTypeError(a: OperandType, b: OperandType, kind: string, field?: string): BcError {
    const about = field ? ` (property '${field}')` : "";
    return badRequest(
      `A binary operator with incompatible types was detected. Found operand types '${edm(a)}' and '${edm(b)}' for operator kind '${kind}'${about}.`,
    );
  }

  private notTranslatable(pos: number): BcError {
    return badRequest(
      `The filter condition at position ${pos} in '${quoteExpr(this.text)}' cannot be converted to a Business Central filter: each condition must compare exactly one property with constant values.`,
    );
  }

  private expressionExpected(pos: number): BcError {
    return badRequest(`Expression expected at position ${pos} in '${quoteExpr(this.text)}'.`);
  }

  private expect(kind: "(" | ")"): void {
    const t = this.peek();
    if (t.t !== kind) throw syntaxError(t.pos, this.text);
    this.i++;
  }
}

function argFits(actual: OperandType, want: "string" | "int"): boolean {
  if (actual === "null") return true;
  return want === "int" ? actual === "int" : actual === "string";
}

export const unknownProperty = (name: string, entity: string) =>
  badRequest(`Could not find a property named '${name}' on type 'Microsoft.NAV.${entity}'.`);

/**
 * Every boolean leaf must be a condition on a property: a bare `true` or `null` has no AL translation.
 * A boolean property on its own (`$filter=enabled`) is a condition (`enabled eq true`).
 */
function requireCondition(node: FilterNode, text: string): void {
  switch (node.kind) {
    case "and":
    case "or":
      for (const o of node.operands) requireCondition(o, text);
      return;
    case "not":
      requireCondition(node.operand, text);
      return;
    case "literal":
      throw badRequest(
        `The filter condition at position ${node.pos} in '${quoteExpr(text)}' cannot be converted to a Business Central filter: each condition must compare exactly one property with constant values.`,
      );
    default:
      return;
  }
}

/** BC's restriction: all operands of an `or` (at any depth below it) must filter the same property. */
function checkOrFields(node: FilterNode): void {
  switch (node.kind) {
    case "or":
      if (fieldsOf(node).size > 1) {
        throw new BcError(
          501,
          "BadRequest_MethodNotImplemented",
          "The 'OR' operator is not supported on distinct fields on an OData filter.",
        );
      }
      for (const o of node.operands) checkOrFields(o);
      return;
    case "and":
      for (const o of node.operands) checkOrFields(o);
      return;
    case "not":
      checkOrFields(node.operand);
      return;
    default:
      return;
  }
}
