/**
 * What the harnesses share: running a route's handler and shaping its answer, so each harness
 * file holds only what is its adapter's own (mounting, error path, how to listen).
 */

import type { AnySession, Handler } from './types'

/**
 * The base URL of request paths on every harness (the host is never read).
 * @example
 * new URL(req.url, BASE)
 */
export const BASE = 'http://127.0.0.1'

/**
 * A 404's body.
 * @example
 * res.status(404).json(NO_ROUTE)
 */
export const NO_ROUTE = { error: 'no route' } as const

/**
 * An error's `code` (a KeycardError's), else its text.
 * @example
 * codeOf(createError('ERR_TOO_LARGE', 'big')) // 'ERR_TOO_LARGE'
 */
export function codeOf(err: unknown): string {
  return (err as { code?: string })?.code ?? String(err)
}

/** A handler's answer: status, JSON body, and the app's Set-Cookie lines (only on success). */
export interface Answer {
  status: 200 | 500
  body: unknown
  appCookies: string[]
}

/**
 * Runs `handler` for `url` on `session`: 200 and its result (undefined → null), or 500
 * `{ error, via: 'handler' }` when it throws.
 * @example
 * const answer = await run(handler, req.session, new URL(req.url, BASE))
 * res.status(answer.status).json(answer.body)
 */
export async function run(handler: Handler, session: AnySession, url: URL): Promise<Answer> {
  const ctx = { url, q: (name: string) => url.searchParams.get(name), appCookies: [] as string[] }
  try {
    const out = await handler(session, ctx)
    return { status: 200, body: out ?? null, appCookies: ctx.appCookies }
  } catch (err) {
    return { status: 500, body: { error: codeOf(err), via: 'handler' }, appCookies: [] }
  }
}
