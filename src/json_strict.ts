/**
 * JSON.parse keeps the last of duplicate keys silently; other parsers keep the first. A token
 * with `{"alg":"none","alg":"HS256"}` would then mean different things to different verifiers,
 * so keycard refuses duplicates (RFC 7515 §5.2 allows either; rejecting is the safe choice).
 */

/**
 * True when some object in `text` repeats a key. `text` must already be valid JSON (call this
 * after JSON.parse succeeded); keys are compared after unescaping, so "a" equals "\u0061".
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

/** A JSON object (not array, not null) parsed from `text` with no duplicate keys, or null. */
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
