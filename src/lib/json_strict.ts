/**
 * Strict JSON, both ways.
 *
 * Parsing: JSON.parse keeps the last of duplicate keys silently; other parsers keep the first. A
 * token with `{"alg":"none","alg":"HS256"}` would then mean different things to different
 * verifiers, so keycard refuses duplicates (RFC 7515 §5.2 allows either; rejecting is the safe
 * choice).
 *
 * Writing: JSON.stringify silently turns some values into others (a Map into `{}`, NaN into
 * `null`, a function into nothing), so what is read back is not what was written. keycard
 * refuses them instead (`stringifyStrict`).
 */

import { createError } from '../errors'

/**
 * True when some object in `text` repeats a key. `text` must already be valid JSON (call this
 * after JSON.parse succeeded); keys are compared after unescaping, so "a" equals "\u0061".
 * @example
 * hasDuplicateKeys('{"alg":"none","alg":"HS256"}') // true
 * hasDuplicateKeys('[{"a":1},{"a":2}]') // false: two objects, one key each
 */
export function hasDuplicateKeys(text: string): boolean {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = []
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      // Jump to the closing quote: the next '"' not preceded by an odd run of backslashes.
      const start = i
      let end = text.indexOf('"', start + 1)
      while (isEscaped(text, end)) end = text.indexOf('"', end + 1)
      i = end
      const keys = stack[stack.length - 1]
      if (expectKey && keys) {
        const raw = text.slice(start, end + 1)
        const backslash = raw.indexOf('\\')
        const key = backslash < 0 ? raw.slice(1, -1) : (JSON.parse(raw) as string)
        if (keys.has(key)) return true
        keys.add(key)
        expectKey = false
      }
    } else if (c === 0x7b /* { */) {
      stack.push(new Set())
      expectKey = true
    } else if (c === 0x5b /* [ */) {
      stack.push(null)
      expectKey = false
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop()
      expectKey = false
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null
    }
  }
  return false
}

/** True when the character at `at` is escaped: preceded by an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0
  for (let j = at - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++
  return backslashes % 2 === 1
}

/**
 * A JSON object (not array, not null) parsed from `text` with no duplicate keys, or null.
 * @example
 * parseJsonObject('{"sub":"7"}') // { sub: '7' }
 * parseJsonObject('[1]') // null
 */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  return hasDuplicateKeys(text) ? null : (value as Record<string, unknown>)
}

/** `Object.prototype.toString`'s tag: 'Object' for plain objects (any prototype, or none), 'Map', 'Date'… */
function tagOf(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1)
}

/** Names the value being written, for error messages (long keys cut short). */
function where(key: string): string {
  return key === '' ? 'the value' : `property ${JSON.stringify(key.slice(0, 64))}`
}

/**
 * True when JSON.stringify writes `value` exactly as it is: finite numbers, strings, booleans,
 * null, and arrays and objects (Object.prototype or no prototype, no toJSON) of those, at most 32
 * levels deep. Undefined properties are fine (left out, as the replacer path also does); cycles
 * are caught by the depth bound and left to the replacer path to report.
 */
function isPlainData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (depth > 32) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainData(value[i], depth + 1)) return false
        return true
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key]
        if (item !== undefined && !isPlainData(item, depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/**
 * JSON.stringify's replacer, so the check sees exactly what JSON.stringify writes, after any
 * `toJSON`: a Date arrives as its ISO string (its own declared JSON form, which JSON documents), a
 * Map arrives as a Map. Throws a TypeError that `stringifyStrict` turns into a KeycardError.
 */
function strictReplacer(key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${where(key)} is ${value}, which JSON would write as null`)
      break
    case 'function':
    case 'symbol':
      throw new TypeError(`${where(key)} is a ${typeof value}, which JSON would drop (or write as null)`)
    case 'object':
      // The test signToken applies to its payload: anything but a plain object or an array keeps
      // its data outside its enumerable own properties (Map, Set, typed arrays, RegExp, Error…),
      // so JSON would write `{}` or a look-alike of it.
      if (value !== null && !Array.isArray(value)) {
        const tag = tagOf(value)
        if (tag !== 'Object') throw new TypeError(`${where(key)} is a ${tag}, which JSON would write as a plain object`)
      }
      break
  }
  return value
}

/**
 * The JSON text of `value`, or `ERR_NOT_SERIALIZABLE` when JSON.stringify would throw (BigInt, a
 * cycle, a throwing toJSON), give nothing (undefined, a function, a symbol), or silently write
 * something else than `value`: NaN or ±Infinity (written as null), a function or a symbol inside
 * an object or array (dropped, or null), an object that is neither a plain object nor an array
 * (Map, Set, typed arrays… written as `{}` or their indices).
 *
 * What JSON documents and reads back as the same data is accepted: a value with a `toJSON` method
 * is written as what that returns (a Date as its ISO string), a property whose value is undefined
 * is left out, -0 is written as 0, and an undefined array item (or a hole) as null.
 *
 * @example
 * stringifyStrict({ uid: 42, at: new Date(0) }, 'the data') // '{"uid":42,"at":"1970-01-01T00:00:00.000Z"}'
 * stringifyStrict({ ids: new Set([1]) }, 'the data') // throws ERR_NOT_SERIALIZABLE
 */
export function stringifyStrict(value: unknown, what: string): string {
  // A replacer takes JSON.stringify off V8's fast path (~+0.7 µs on a small token payload), so the
  // common plain data is checked by a walk first and written without one; anything the walk is
  // unsure of (toJSON, deep nesting, a refusal) takes the replacer path, which gives the reason.
  if (isPlainData(value, 0)) {
    const json = JSON.stringify(value)
    if (json !== undefined) return json
  }
  let json: string | undefined
  try {
    json = JSON.stringify(value, strictReplacer)
  } catch (err) {
    throw createError(
      'ERR_NOT_SERIALIZABLE',
      `${what} cannot be written as JSON: ${err instanceof Error ? err.message : String(err)}`,
      err,
    )
  }
  if (json === undefined) throw createError('ERR_NOT_SERIALIZABLE', `${what} has no JSON form (undefined?)`)
  return json
}
