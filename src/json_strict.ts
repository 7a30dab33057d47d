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
      const start = i
      let escaped = false
      for (i++; text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true
          i++
        }
      }
      const keys = stack[stack.length - 1]
      if (expectKey && keys) {
        const raw = text.slice(start, i + 1)
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1)
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
