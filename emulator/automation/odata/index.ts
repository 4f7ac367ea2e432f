/** The emulator's OData layer: pure functions the automation router calls (no HTTP here). */
export {
  bindKey,
  type KeySpec,
  type KeyValue,
  type ParsedKey,
  type PathSegment,
  parseKeySegment,
  splitPath,
} from "./keys";
export {
  applyQuery,
  countMatching,
  type FieldType,
  type FilterNode,
  type OrderBy,
  parseNestedOptions,
  parseQueryOptions,
  type QueryOptions,
  selectFields,
} from "./query";
export { evaluateFilter } from "./evaluate";
export { parseFilter } from "./filter";
export { decodeSkiptoken, encodeSkiptoken, pageRows, preferredPageSize, SERVER_MAX_PAGE_SIZE } from "./paging";
export type { EntityShape } from "./types";
