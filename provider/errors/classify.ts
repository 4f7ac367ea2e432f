// Questions callers ask of a failure. Each is used by provider code; add one only with a caller.
import { BcApiError } from "./bc-api-error";
import { EXTENSION_PERMISSION_DIALOG, matches, PERMISSION_REFUSED } from "./hints";

const NOT_FOUND_CODES =
  /NotFound$|^Internal_RecordNotFound$|^Internal_DataNotFoundFilter$|^ResourceDoesNotExist$|^environmentNotFound$/i;

export function isNotFound(e: unknown): boolean {
  return e instanceof BcApiError && (e.status === 404 || NOT_FOUND_CODES.test(e.code));
}

/** The credential or token was refused (by Entra or by BC), or BC refused the principal. */
export function isAuth(e: unknown): boolean {
  return (
    e instanceof BcApiError &&
    (e.service === "entra" || e.status === 401 || e.status === 403 || /^Authentication_|^Authorization_/.test(e.code))
  );
}

/** BC refused for a missing permission set: 403 / `Authorization_*`, or the AL permission dialog of extensions. */
export function isPermissionRefusal(e: unknown): e is BcApiError {
  if (!(e instanceof BcApiError)) return false;
  const facts = { service: e.service, status: e.status, code: e.code, message: e.serviceMessage };
  return matches([...PERMISSION_REFUSED, EXTENSION_PERMISSION_DIALOG], facts);
}
