/** Rate-limit middleware for Hono (keycard/hono's `rateLimitMiddleware`); see rate_limit_middleware.ts. */

import type { Context as HonoContext, MiddlewareHandler } from 'hono'
import { type RateLimiter, rateLimitHeaders } from '../../rate_limit'
import { type RateLimitMiddlewareOptions, setup, TOO_MANY, UNKNOWN_CLIENT, verdict } from './rate_limit_middleware'

/** The client address Hono's Node server passes in `c.env.incoming`; undefined elsewhere. */
function honoAddress(c: HonoContext): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress
}

/**
 * Hono: over the limit, 429 with `Retry-After`. The default key is the socket address on
 * `@hono/node-server`; on other runtimes pass `key` (with `getConnInfo` of your runtime's
 * adapter), or every client shares one count.
 * @example
 * app.use(rateLimitMiddleware(rateLimit({ store: cache, limit: 100, window: '1m' })))
 */
export function honoRateLimit(limiter: RateLimiter, options?: RateLimitMiddlewareOptions<HonoContext>): MiddlewareHandler {
  const keyOf = setup(limiter, options, (c: HonoContext) => honoAddress(c) ?? UNKNOWN_CLIENT)
  return async (c, next) => {
    const result = await verdict(limiter, keyOf(c))
    if (result === undefined) return next()
    const headers = rateLimitHeaders(limiter, result)
    if (!result.allowed) return c.text(TOO_MANY, 429, headers)
    for (const [name, value] of Object.entries(headers)) c.header(name, value)
    await next()
  }
}
