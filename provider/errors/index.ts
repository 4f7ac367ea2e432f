// Errors of the provider: types (bc-api-error, failures), parsing of error answers (wire), hints as data (hints)
// and the questions callers ask of a failure (classify).
export { BcApiError, type BcApiErrorInit, type Service } from "./bc-api-error";
export { isAuth, isNotFound, isPermissionRefusal } from "./classify";
export { AmbiguousOutcomeError, ResponseShapeError, TransportError } from "./failures";
export { errorFromEntra, errorFromResponse, type ResponseContext, stripCorrelationId } from "./wire";
