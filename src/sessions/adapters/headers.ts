/** Set-Cookie handling shared by the node:http based adapters (express, node). */

import type { ServerResponse } from 'node:http'

/**
 * Adds `cookies` to the response's Set-Cookie header, keeping any the app already set.
 * @example
 * appendSetCookie(res, await manager.commit(session)) // nothing to do for []
 */
export function appendSetCookie(res: ServerResponse, cookies: readonly string[]): void {
  if (cookies.length === 0) return
  const existing = res.getHeader('set-cookie')
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)]
  res.setHeader('set-cookie', [...list, ...cookies])
}
