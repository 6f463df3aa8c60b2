// The contract's `error` record and the helpers that build it. A function
// whose WIT result is `result<T, error>` returns T or throws one of these.

/** An `error` record: `kind` is an `error-kind` case name. */
export function error(kind, message, zoneIndependent = false) {
  return { kind, message: String(message), zoneIndependent };
}

export const other = (message) => error("other", message);
export const notFound = (message) => error("not-found", message);
export const notSupported = (message) => error("not-supported", message);
export const notImplemented = (message) => error("not-implemented", message);
export const notValid = (message) => error("not-valid", message);
export const alreadyExists = (message) => error("already-exists", message);
export const notBootstrapped = () => error("not-bootstrapped", "model is not bootstrapped");

/** The same error, marked as failing in every availability zone. */
export function zoneIndependent(err) {
  return { ...err, zoneIndependent: true };
}

/** True when `value` is an `error` record (rather than a JavaScript exception). */
export function isError(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof value.kind === "string" &&
    typeof value.message === "string"
  );
}

/**
 * Runs `f`, turning any JavaScript exception (a bug, a TypeError …) into an
 * `other` error record so the host gets an error, not a trap.
 */
export function guard(f) {
  try {
    return f();
  } catch (e) {
    if (isError(e)) throw e;
    throw other(`internal error in the JavaScript dummy provider: ${e?.stack ?? e}`);
  }
}
