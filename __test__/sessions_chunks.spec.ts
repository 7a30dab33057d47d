/**
 * Chunked cookie sessions at the edge of the browser's limit. RFC 6265 §6.1 promises at least
 * 4096 bytes per cookie *including its attributes*, so every Set-Cookie line the manager emits
 * (name=value and every attribute, with the longest Max-Age, Domain and Path configured) must fit
 * 4096 bytes, and the session must still come back whole from the cookies it was split into.
 *
 * Sizes are swept across every chunk boundary: a coarse sweep finds where the number of cookies
 * changes, then every size within a few bytes of each change is committed and loaded again.
 * Over real HTTP, for every adapter: the chunk rows of the behaviour table (sessions/rows/chunks.ts).
 */

import test, { type ExecutionContext } from 'ava'
import { SessionManager } from '../src/sessions/manager'
import type { SessionOptions } from '../src/sessions/options'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { SECRET, t_ } from './helpers/backends'
import { isDeletion, parseSetCookie } from './helpers/http'

const LIMIT = 4096
/** A 253-character host name: four labels of up to 63. */
const LONG_DOMAIN = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`
/** The longest path a cookie may have (1024 characters). */
const LONG_PATH = `/${'p'.repeat(1023)}`
const YEARS_50 = 50 * 365 * 86_400_000

const CONFIGS: Array<[string, SessionOptions]> = [
  ['defaults', {}],
  ['a 100-character name', { cookie: { name: 'k'.repeat(100) } }],
  ['a 253-character domain', { cookie: { domain: LONG_DOMAIN } }],
  ['a 1024-character path', { cookie: { path: LONG_PATH } }],
  ['a ttl of 50 years (the longest Max-Age)', { ttl: YEARS_50 }],
  [
    'every attribute at its longest, and a long name',
    {
      ttl: YEARS_50,
      cookie: {
        name: `__Secure-${'n'.repeat(480)}`,
        domain: LONG_DOMAIN,
        path: LONG_PATH,
        sameSite: 'none',
        partitioned: true,
      },
    },
  ],
]

/** Set-Cookie lines that set (not clear) a cookie. */
const setting = (lines: string[]) =>
  lines.filter((line) => {
    const cookie = parseSetCookie(line)
    return cookie !== null && !isDeletion(cookie)
  })

/** The Cookie header a browser sends back for these Set-Cookie lines. */
const cookieHeader = (lines: string[]) =>
  setting(lines)
    .map((line) => line.split(';')[0])
    .join('; ')

async function commitBlob(manager: SessionManager, size: number): Promise<string[]> {
  const s = await manager.load(undefined)
  s.blob = 'x'.repeat(size)
  return manager.commit(s)
}

/** Every line within the limit, and the session back whole from the cookies. */
async function check(t: ExecutionContext, manager: SessionManager, size: number, label: string): Promise<number> {
  const lines = await commitBlob(manager, size)
  for (const line of lines) {
    const bytes = Buffer.byteLength(line)
    if (bytes > LIMIT) t.fail(`${label}, ${size}-byte blob: a Set-Cookie line of ${bytes} bytes`)
  }
  const back = await manager.load(cookieHeader(lines))
  if ((back.blob as string | undefined)?.length !== size) t.fail(`${label}, ${size}-byte blob: did not round-trip`)
  return setting(lines).length
}

for (const [label, options] of CONFIGS) {
  test(t_(`chunks: ${label}: every Set-Cookie line fits 4096 bytes at every chunk boundary, and round-trips`), async (t) => {
    const manager = new SessionManager({ secret: SECRET, store: cookieStore({ maxBytes: 44_000 }), ...options })
    // Coarse sweep: where the number of cookies changes.
    const changes: number[] = []
    let count = 0
    for (let size = 0; size <= 30_000; size += 61) {
      const n = await check(t, manager, size, label)
      if (n !== count) changes.push(size)
      count = n
    }
    t.true(count >= 10, `${label}: the sweep reaches ${count} cookies (a two-digit count prefix)`)
    // Fine sweep: every size around each change, so some chunk is exactly full.
    for (const change of changes) {
      for (let size = Math.max(0, change - 64); size <= change + 4; size++) await check(t, manager, size, label)
    }
    t.true(changes.length >= 10, `${changes.length} chunk boundaries crossed`)
  })
}

test(t_('chunks: the longest line is used to the full: a full chunk line is within 8 bytes of 4096'), async (t) => {
  // Not just "small enough": the room is computed from the real attributes, not a guessed margin.
  for (const [label, options] of CONFIGS) {
    const manager = new SessionManager({ secret: SECRET, ...options })
    const lines = setting(await commitBlob(manager, 6000))
    t.true(lines.length >= 2, label)
    const longest = Math.max(...lines.map((line) => Buffer.byteLength(line)))
    t.true(longest <= LIMIT && longest >= LIMIT - 8, `${label}: longest line ${longest}`)
  }
})

test(
  t_('chunks: a server store id cookie fits too; names, domains and paths too long for any cookie are ERR_BAD_CONFIG'),
  async (t) => {
    const [, longest] = CONFIGS.at(-1) as [string, SessionOptions]
    const manager = new SessionManager({ secret: SECRET, store: memoryStore(), ...longest })
    const s = await manager.load(undefined)
    s.x = 1
    const [line = ''] = await manager.commit(s)
    t.true(Buffer.byteLength(line) <= LIMIT, `${Buffer.byteLength(line)} bytes`)
    // Room for less than 256 bytes of session per cookie: refused at start-up, for both kinds of store.
    const tooLong = { cookie: { name: 'k'.repeat(2700), domain: LONG_DOMAIN, path: LONG_PATH } }
    t.throws(() => new SessionManager({ secret: SECRET, ...tooLong }), { code: 'ERR_BAD_CONFIG' })
    const noRoom = { cookie: { name: 'k'.repeat(2900), domain: LONG_DOMAIN, path: LONG_PATH } }
    t.throws(() => new SessionManager({ secret: SECRET, store: memoryStore(), ...noRoom }), { code: 'ERR_BAD_CONFIG' })
    // A name too long to derive the cookie's keys for (the purpose is `keycard/session/<name>`).
    t.throws(() => new SessionManager({ secret: SECRET, cookie: { name: 'k'.repeat(600) } }), {
      code: 'ERR_BAD_CONFIG',
      message: /cookie\.name/,
    })
    // A cookie store whose maxBytes would need more than the 64 cookies a session may use.
    t.throws(() => new SessionManager({ secret: SECRET, store: cookieStore({ maxBytes: 64 * 4000 }) }), {
      code: 'ERR_BAD_CONFIG',
      message: /maxBytes/,
    })
  },
)
