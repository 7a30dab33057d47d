/**
 * keycard's errors. Every error carries a stable `code` (codes are API; never match on
 * messages) and belongs to one family subclass, so callers can `instanceof` a family or switch on
 * a code. Both backends raise the same code for the same input; native errors are rewrapped here.
 */

/** Codes, grouped by the family class that carries them. */
const FAMILIES = {
  KeyError: ['ERR_KEY_TOO_SHORT', 'ERR_KEY_WEAK', 'ERR_NO_SECRET', 'ERR_UNKNOWN_KEY'],
  FormatError: ['ERR_BAD_FORMAT', 'ERR_TOO_LARGE', 'ERR_ALG_NOT_ALLOWED', 'ERR_NOT_SERIALIZABLE'],
  VerificationError: ['ERR_BAD_SIGNATURE', 'ERR_DECRYPT'],
  ClaimError: [
    'ERR_EXPIRED',
    'ERR_NOT_YET_VALID',
    'ERR_WRONG_PURPOSE',
    'ERR_WRONG_AUDIENCE',
    'ERR_WRONG_ISSUER',
    'ERR_WRONG_SUBJECT',
  ],
  ParameterError: ['ERR_PARAMS_OUT_OF_RANGE', 'ERR_INVALID_ARGUMENT', 'ERR_BAD_CONFIG'],
  StoreError: ['ERR_STORE_UNAVAILABLE'],
  CsrfError: ['ERR_CSRF'],
  BackendError: ['ERR_NATIVE_UNAVAILABLE', 'ERR_INTERNAL', 'ERR_RANDOM', 'ERR_UNSUPPORTED_RUNTIME'],
  AbortError: ['ERR_ABORTED'],
} as const

type Families = typeof FAMILIES
/**
 * Every code keycard throws (`ERR_BAD_FORMAT`, `ERR_EXPIRED`, …). Codes are API: switch on them,
 * never on messages.
 * @example
 * const code: ErrorCode = 'ERR_EXPIRED'
 */
export type ErrorCode = Families[keyof Families][number]

/**
 * Base class of every error keycard throws.
 * @example
 * try { verifyTokenOrThrow(token, secret) } catch (err) {
 *   if (err instanceof KeycardError && err.code === 'ERR_EXPIRED') refresh()
 * }
 */
export class KeycardError extends Error {
  readonly code: ErrorCode

  /**
   * Prefer `createError(code, message)`, which picks the family subclass of `code`.
   * @example
   * new KeycardError('ERR_INTERNAL', 'unreachable', { cause: err })
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/**
 * Secrets and key rings: too short, missing, unknown key id.
 * @example
 * err instanceof KeyError // ERR_KEY_TOO_SHORT, ERR_KEY_WEAK, ERR_NO_SECRET, ERR_UNKNOWN_KEY
 */
export class KeyError extends KeycardError {}
/**
 * Input that is not in the expected shape, too large, or cannot be serialised.
 * @example
 * err instanceof FormatError // ERR_BAD_FORMAT, ERR_TOO_LARGE, ERR_ALG_NOT_ALLOWED, ERR_NOT_SERIALIZABLE
 */
export class FormatError extends KeycardError {}
/**
 * A signature or authentication tag that does not verify. Opaque by design.
 * @example
 * err instanceof VerificationError // ERR_BAD_SIGNATURE, ERR_DECRYPT
 */
export class VerificationError extends KeycardError {}
/**
 * A well-formed, authentic value whose claims are not acceptable now or here.
 * @example
 * err instanceof ClaimError // ERR_EXPIRED, ERR_NOT_YET_VALID, ERR_WRONG_PURPOSE, ERR_WRONG_AUDIENCE, …
 */
export class ClaimError extends KeycardError {}
/**
 * A bad argument or configuration value from the caller.
 * @example
 * err instanceof ParameterError // ERR_PARAMS_OUT_OF_RANGE, ERR_INVALID_ARGUMENT, ERR_BAD_CONFIG
 */
export class ParameterError extends KeycardError {}
/**
 * A session store that cannot be reached in time. Carries HTTP 503 for framework error handlers.
 * @example
 * err instanceof StoreError && err.status === 503 // ERR_STORE_UNAVAILABLE
 */
export class StoreError extends KeycardError {
  readonly status = 503
  readonly statusCode = 503
}
/**
 * A state-changing request refused by a session adapter's `csrf()` for a missing or invalid CSRF
 * token. Carries HTTP 403, so framework error handlers (Express, Koa, Fastify) answer with it.
 * @example
 * err instanceof CsrfError && err.status === 403 // ERR_CSRF
 */
export class CsrfError extends KeycardError {
  readonly status = 403
  readonly statusCode = 403
}
/**
 * The native backend is missing or failed internally, or the runtime lacks what a call needs
 * (`ERR_UNSUPPORTED_RUNTIME`: a synchronous primitive where only Web Crypto exists; the message
 * names the async twin to call instead).
 * @example
 * err instanceof BackendError // ERR_NATIVE_UNAVAILABLE, ERR_INTERNAL, ERR_RANDOM, ERR_UNSUPPORTED_RUNTIME
 */
export class BackendError extends KeycardError {}
/**
 * The caller's AbortSignal aborted the operation.
 * @example
 * err instanceof AbortError // ERR_ABORTED, from hashPassword(pw, { signal })
 */
export class AbortError extends KeycardError {}

const CLASSES = {
  KeyError,
  FormatError,
  VerificationError,
  ClaimError,
  ParameterError,
  StoreError,
  CsrfError,
  BackendError,
  AbortError,
}

const CLASS_OF_CODE = new Map<string, typeof KeycardError>()
for (const [family, codes] of Object.entries(FAMILIES)) {
  for (const code of codes) CLASS_OF_CODE.set(code, CLASSES[family as keyof Families])
}

/**
 * Whether `value` is one of keycard's error codes (the native binding's `err.code` is checked with it).
 * @example
 * isErrorCode('ERR_EXPIRED') // true
 * isErrorCode('ENOENT') // false
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CLASS_OF_CODE.has(value)
}

/**
 * Creates the error of the right family for `code`: the one way keycard throws.
 * @example
 * throw createError('ERR_INVALID_ARGUMENT', 'ttl must be a positive number') // a ParameterError
 */
export function createError(code: ErrorCode, message: string, cause?: unknown): KeycardError {
  const Family = CLASS_OF_CODE.get(code) ?? KeycardError
  return new Family(code, message, cause === undefined ? undefined : { cause })
}

/**
 * Rewraps an error thrown by the native binding. The binding puts our code in `err.code`; anything
 * else (a caught Rust panic, a napi type error) becomes `ERR_INTERNAL` with the original as cause.
 * @example
 * try { return binding.seal(...args) } catch (err) { throw fromNativeError(err) }
 */
export function fromNativeError(err: unknown): KeycardError {
  if (err instanceof KeycardError) return err
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  if (isErrorCode(code)) return createError(code, message)
  return createError('ERR_INTERNAL', `keycard native binding failed: ${message}`, err)
}
