/**
 * One stack of bench/sessions.ts ready to be timed: its app and driver, its cookie jar, and the
 * answer every request must bring back. `prepare` checks first that the session is real (a fresh
 * session counts 1, 2, 3 as its cookie comes back; another fresh one starts at 1 again); `timed`
 * sends requests one at a time and checks every answer, so a stack that lost its session fails
 * the run instead of being measured.
 */

import assert from 'node:assert/strict'
import type { Contender, Path, Reply, Route, Send } from './stacks'

/** The cookies a browser would send back: every Set-Cookie line of the last responses. */
export class Jar {
  readonly #cookies = new Map<string, string>()
  /** The Cookie header to send, or undefined when the jar is empty. */
  header: string | undefined

  take(lines: readonly string[]): void {
    for (const line of lines) {
      const semi = line.indexOf(';')
      const pair = semi < 0 ? line : line.slice(0, semi)
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      // A cleared cookie leaves the jar: empty value, Max-Age=0 or an Expires in 1970.
      if (value === '' || /;\s*max-age=0\s*(;|$)/i.test(line) || /;\s*expires=[^;]*1970/i.test(line)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
    this.header = this.#cookies.size === 0 ? undefined : [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ')
  }

  get size(): number {
    return this.#cookies.size
  }
}

export interface Stack {
  /** `<framework>-<contender>-<route>`, e.g. `express-keycard-cookie-write`. */
  id: string
  contender: Contender
  route: Route
  path: Path
  /** Requests per round (the contender's share of `--requests`). */
  requests: number
  send: Send
  jar: Jar
  /** /write: the count the next answer must be; /read: the value every answer must be. */
  next: number
  /** Bytes of the last response's Set-Cookie lines (all of them), 0 before any. */
  setCookieBytes: number
}

export function stackId(contender: Contender, route: Route): string {
  return `${contender.framework}-${contender.name}-${route}`
}

async function get(send: Send, path: Path, jar: Jar): Promise<Reply> {
  const reply = await send(path, jar.header)
  assert.equal(reply.status, 200, `status ${reply.status}: ${reply.body}`)
  jar.take(reply.setCookie)
  return reply
}

/** A new app for this contender and route, checked, with a session in its jar (bare: none). */
export async function prepare(contender: Contender, route: Route, requestsPerRound: number): Promise<Stack> {
  const id = stackId(contender, route)
  const send = await contender.make()
  const path: Path = route === 'write' ? '/write' : '/read'
  const requests = Math.max(5, Math.round(requestsPerRound * (contender.share ?? 1)))
  const jar = new Jar()
  if (contender.kind === 'bare') {
    const a = Number((await get(send, '/write', jar)).body)
    const b = Number((await get(send, '/write', jar)).body)
    assert.equal(b, a + 1, `${id}: the bare app counts`)
    assert.equal((await get(send, '/read', jar)).body, '1', `${id}: the bare /read answers 1`)
    return { id, contender, route, path, requests, send, jar, next: route === 'write' ? b + 1 : 1, setCookieBytes: 0 }
  }
  // The counter lives in the session: it increments only as the cookie comes back.
  const first = await get(send, '/write', jar)
  assert.equal(first.body, '1', `${id}: a new session counts 1`)
  assert.ok(first.setCookie.length > 0 && jar.size > 0, `${id}: a new session sets a cookie`)
  assert.equal((await get(send, '/write', jar)).body, '2', `${id}: the session comes back with its cookie`)
  assert.equal((await get(send, '/write', jar)).body, '3', `${id}: and again`)
  assert.equal((await get(send, '/write', new Jar())).body, '1', `${id}: the counter is per session, not global`)
  if (route === 'write') return { id, contender, route, path, requests, send, jar, next: 4, setCookieBytes: 0 }
  // /read: one session, created once (views = 1) and then only read.
  const readJar = new Jar()
  assert.equal((await get(send, '/write', readJar)).body, '1', `${id}: the session to read is created`)
  assert.equal((await get(send, '/read', readJar)).body, '1', `${id}: /read reads it`)
  assert.equal((await get(send, '/read', readJar)).body, '1', `${id}: /read changes nothing`)
  return { id, contender, route, path, requests, send, jar: readJar, next: 1, setCookieBytes: 0 }
}

export interface Timed {
  /** Wall time per request, ns. */
  ns: number

  /** Responses that carried a Set-Cookie line. */
  setCookies: number
}

/** `n` requests one after the other, every answer checked; the wall time per request. */
export async function timed(stack: Stack, n: number): Promise<Timed> {
  const { send, path, jar } = stack
  const write = stack.route === 'write'
  let setCookies = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const reply = await send(path, jar.header)
    const expected = String(stack.next)
    if (write) stack.next++
    if (reply.status !== 200 || reply.body !== expected) {
      throw new Error(
        `${stack.id}: request ${i} answered ${reply.status} ${JSON.stringify(reply.body)}, expected 200 ${expected}`,
      )
    }
    if (reply.setCookie.length > 0) {
      setCookies++
      jar.take(reply.setCookie)
      stack.setCookieBytes = reply.setCookie.reduce((sum, line) => sum + line.length, 0)
    }
  }
  return { ns: Number(process.hrtime.bigint() - start) / n, setCookies }
}
