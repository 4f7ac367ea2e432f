// Failures other than an error answer from a service: the outcome is unknown, the request never completed, or
// the answer does not have the documented shape.
import { redactText } from "../redact";

/**
 * A non-repeatable request (company create, package import, extension upload, …) may or may not have taken effect:
 * the connection failed or the server answered 5xx after the request was sent. The caller must look the object up
 * by its identity before deciding to send it again.
 */
export class AmbiguousOutcomeError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(
      redactText(
        `${method} ${path} may or may not have taken effect (${reason}); it was not repeated automatically because ` +
          "repeating it could do the work twice. Check the object's state (the provider does this when it can) and run the update again.",
      ),
    );
    this.name = "AmbiguousOutcomeError";
  }
}

/** The request could not be completed: connection failures, timeouts, or the overall deadline ran out. */
export class TransportError extends Error {
  constructor(
    readonly kind: "timeout" | "connection" | "deadline" | "aborted" | "insecure",
    readonly method: string,
    readonly path: string,
    detail: string,
    readonly attempts = 1,
    override readonly cause?: unknown,
  ) {
    super(redactText(`${method} ${path}: ${detail}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`));
    this.name = "TransportError";
  }
}

/** A response that does not have the documented shape (missing or mistyped field). */
export class ResponseShapeError extends Error {
  constructor(
    readonly entity: string,
    readonly field: string,
    detail: string,
    readonly path?: string,
  ) {
    super(
      redactText(
        `Business Central returned ${/^[aeiou]/i.test(entity) ? "an" : "a"} ${entity} whose field '${field}' is not as expected: ${detail}` +
          `${path ? ` (from ${path})` : ""}. This provider may not support this BC version; please report it.`,
      ),
    );
    this.name = "ResponseShapeError";
  }
}
