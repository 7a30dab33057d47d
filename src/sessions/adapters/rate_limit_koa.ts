/** Rate-limit middleware for Koa (keycard/koa's `rateLimitMiddleware`); see rate_limit_middleware.ts. */

import type { Context as KoaContext, Middleware as KoaMiddleware } from 'koa'
import { type RateLimiter, rateLimitHeaders } from '../../rate_limit'
import { type RateLimitMiddlewareOptions, setup, TOO_MANY, UNKNOWN_CLIENT, verdict } from './rate_limit_middleware'

/**
 * Koa: over the limit, 429 with `Retry-After` and `next` is not called.
 * @example
 * app.use(rateLimitMiddleware(rateLimit({ store: cache, limit: 100, window: '1m' })))
 */
export function koaRateLimit(limiter: RateLimiter, options?: RateLimitMiddlewareOptions<KoaContext>): KoaMiddleware {
  const keyOf = setup(limiter, options, (ctx: KoaContext) => ctx.ip || UNKNOWN_CLIENT)
  return async (ctx, next) => {
    const result = await verdict(limiter, keyOf(ctx))
    if (result === undefined) return next()
    ctx.set(rateLimitHeaders(limiter, result))
    if (result.allowed) return next()
    ctx.status = 429
    ctx.body = TOO_MANY
  }
}
