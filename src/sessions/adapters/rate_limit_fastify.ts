/** Rate-limit hook for Fastify (keycard/fastify's `rateLimitMiddleware`); see rate_limit_middleware.ts. */

import type { FastifyReply, FastifyRequest } from 'fastify'
import { type RateLimiter, rateLimitHeaders } from '../../rate_limit'
import { type RateLimitMiddlewareOptions, setup, TOO_MANY, UNKNOWN_CLIENT, verdict } from './rate_limit_middleware'

/**
 * Fastify: an `onRequest` hook (for the app or per route); over the limit, 429 with `Retry-After`.
 * Store errors reach Fastify's error handler.
 * @example
 * app.addHook('onRequest', rateLimitMiddleware(rateLimit({ store: cache, limit: 100, window: '1m' })))
 */
export function fastifyRateLimit(
  limiter: RateLimiter,
  options?: RateLimitMiddlewareOptions<FastifyRequest>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const keyOf = setup(limiter, options, (request: FastifyRequest) => request.ip ?? UNKNOWN_CLIENT)
  return async (request, reply) => {
    const result = await verdict(limiter, keyOf(request))
    if (result === undefined) return
    reply.headers(rateLimitHeaders(limiter, result))
    if (!result.allowed) await reply.code(429).type('text/plain; charset=utf-8').send(TOO_MANY)
  }
}
