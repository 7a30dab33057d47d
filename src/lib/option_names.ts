/**
 * Option names are checked at start-up. A misspelt option (`saveUnitialized`) or one carried over
 * from express-session or cookie-session (`maxAge`, `keys`) would otherwise be ignored silently,
 * and the app would run with a default it never chose (a 24 h session instead of the 15 min one
 * it asked for). An unknown name is `ERR_BAD_CONFIG`, with the option it most likely meant.
 */

import { createError } from '../errors'

/**
 * Where a set of option names lives: the top level, or inside `cookie`.
 * @example
 * const COOKIE: OptionScope = { prefix: 'cookie.', known: ['name', 'path'], aliases: { expires: 'maxAge' } }
 */
export interface OptionScope {
  /** How a name of this scope is written in messages: '' (top level) or 'cookie.'. */
  prefix: string
  /** Every option name of the scope. */
  known: readonly string[]
  /** Names other session libraries use, and the keycard option to write instead. */
  aliases: Readonly<Record<string, string>>
  /** Names other session libraries use that keycard needs no counterpart for, and why. */
  notNeeded?: Readonly<Record<string, string>>
  /** What the options configure, for messages. Default 'session option'. */
  label?: string
  /** The code thrown. Default `ERR_BAD_CONFIG` (start-up configuration); per-call options use `ERR_INVALID_ARGUMENT`. */
  code?: 'ERR_BAD_CONFIG' | 'ERR_INVALID_ARGUMENT'
}

/** Optimal string alignment distance (edits, swaps of neighbours), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i])
  for (let j = 1; j <= t.length; j++) (rows[0] as number[])[j] = j
  for (let i = 1; i <= s.length; i++) {
    const row = rows[i] as number[]
    const up = rows[i - 1] as number[]
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1)
      }
      row[j] = d
    }
  }
  return (rows[s.length] as number[])[t.length] as number
}

/** The hint for an unknown name: an alias, a note, the nearest known name, or nothing. */
function hintFor(name: string, scope: OptionScope): string {
  if (Object.hasOwn(scope.aliases, name)) return `: did you mean ${scope.aliases[name]}?`
  if (scope.notNeeded && Object.hasOwn(scope.notNeeded, name)) return `: ${scope.notNeeded[name]}`
  // One edit for short names, two for longer ones: close enough to be a typo, not another word.
  const most = name.length <= 4 ? 1 : 2
  let best: string | undefined
  let bestDistance = most + 1
  for (const known of scope.known) {
    const d = distance(name, known)
    if (d < bestDistance) [best, bestDistance] = [known, d]
  }
  return best === undefined ? '' : `: did you mean \`${scope.prefix}${best}\`?`
}

/**
 * Throws `ERR_BAD_CONFIG` for the first own key of `given` that `scope` does not know, with a hint.
 * @example
 * refuseUnknownOptions({ saveUnitialized: true }, { prefix: '', known: ['saveUninitialized'], aliases: {} })
 * // throws: unknown session option `saveUnitialized`: did you mean `saveUninitialized`?
 */
export function refuseUnknownOptions(given: object, scope: OptionScope): void {
  for (const name of Object.keys(given)) {
    if (scope.known.includes(name)) continue
    const label = scope.label ?? 'session option'
    throw createError(scope.code ?? 'ERR_BAD_CONFIG', `unknown ${label} \`${scope.prefix}${name}\`${hintFor(name, scope)}`)
  }
}
