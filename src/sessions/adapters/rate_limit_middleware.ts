/**
 * Rate-limit middleware for every adapter, over a `rateLimit()` limiter (src/rate_limit.ts). Each
 * adapter module exports its own as `rateLimitMiddleware`: express, Node and fetch here; Fastify,
 * Koa and Hono in rate_limit_{fastify,koa,hono}.ts, so that each file imports only its own
 * framework's types. Every response gets `RateLimit-Policy`
 * and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers-10); a request over the limit gets
 * 429 with `Retry-After` and never reaches the handler. No framework is loaded by this module.
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import { createError } from '../../errors'
import { type OptionScope, refuseUnknownOptions } from '../../lib/option_names'
import { type RateLimiter, type RateLimitResult, rateLimitHeaders } from '../../rate_limit'

/**
 * Options of `rateLimitMiddleware(limiter, options)`.
 * @example
 * rateLimitMiddleware(limiter, { key: (req) => req.get('x-api-key') ?? req.ip })
 */
export interface RateLimitMiddlewareOptions<Req> {
  /**
   * The key a request counts under. Default: the client's IP as the framework reports it
   * (express `req.ip`, which follows `trust proxy`; fastify `request.ip`; koa `ctx.ip`; Node and
   * Hono on Node: the socket's address; fetch: the `ip` you pass). `undefined`: not counted.
   */
  key?: (req: Req) => string | undefined
}

const OPTION_NAMES: OptionScope = {
  prefix: '',
  known: ['key'],
  aliases: { keyGenerator: '`key(req)`' },
  label: 'rateLimitMiddleware option',
  code: 'ERR_INVALID_ARGUMENT',
}

/**
 * The key of requests with no known address, which all share it (a proxy hiding every address).
 * @example
 * const key = req.socket.remoteAddress ?? UNKNOWN_CLIENT
 */
export const UNKNOWN_CLIENT = 'unknown-client'
/**
 * The body of a 429.
 * @example
 * res.end(TOO_MANY)
 */
export const TOO_MANY = 'Too Many Requests'

/**
 * Checks the limiter and options once, at setup; returns the key function (its result checked).
 * @example
 * const keyOf = setup(limiter, options, (req: IncomingMessage) => req.socket.remoteAddress)
 */
export function setup<Req>(
  limiter: RateLimiter,
  options: RateLimitMiddlewareOptions<Req> | undefined,
  byDefault: (req: Req) => string | undefined,
): (req: Req) => string | undefined {
  if (limiter === null || typeof limiter !== 'object' || typeof limiter.check !== 'function') {
    throw createError('ERR_INVALID_ARGUMENT', 'rateLimitMiddleware needs a limiter from rateLimit({ store, limit, window })')
  }
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') {
      throw createError('ERR_INVALID_ARGUMENT', 'rateLimitMiddleware options must be an object')
    }
    refuseUnknownOptions(options, OPTION_NAMES)
    if (options.key !== undefined && typeof options.key !== 'function') {
      throw createError('ERR_INVALID_ARGUMENT', 'key must be a function (req) => string')
    }
  }
  const key = options?.key ?? byDefault
  return (req) => {
    const k = key(req)
    if (k !== undefined && typeof k !== 'string') {
      throw createError('ERR_INVALID_ARGUMENT', 'the key function must return a string or undefined')
    }
    return k
  }
}

/**
 * The verdict for a request, or undefined when its key says it is not counted.
 * @example
 * const result = await verdict(limiter, keyOf(req))
 */
export async function verdict(limiter: RateLimiter, key: string | undefined): Promise<RateLimitResult | undefined> {
  return key === undefined ? undefined : limiter.check(key)
}

/**
 * Express: counts each request; over the limit, 429 with `Retry-After`. Store errors go to
 * `next(err)`.
 * @example
 * app.use(rateLimitMiddleware(rateLimit({ store: cache, limit: 100, window: '1m' })))
 */
export function expressRateLimit<Req extends IncomingMessage & { ip?: string }>(
  limiter: RateLimiter,
  options?: RateLimitMiddlewareOptions<Req>,
): (req: Req, res: ServerResponse, next: (err?: unknown) => void) => void {
  const keyOf = setup(limiter, options, (req: Req) => req.ip ?? req.socket.remoteAddress ?? UNKNOWN_CLIENT)
  return (req, res, next) => {
    Promise.resolve()
      .then(() => verdict(limiter, keyOf(req)))
      .then((result) => {
        if (result === undefined) return next()
        for (const [name, value] of Object.entries(rateLimitHeaders(limiter, result))) res.setHeader(name, value)
        if (result.allowed) return next()
        res.statusCode = 429
        res.setHeader('Content-Type', 'text/plain; charset=utf-8')
        res.end(TOO_MANY)
      }, next)
  }
}

/**
 * Node's `http`: `await limit(req, res)` sets the headers and resolves true when the request may
 * go on; over the limit it answers 429 with `Retry-After`, ends the response and resolves false.
 * @example
 * const limit = rateLimitMiddleware(rateLimit({ store: cache, limit: 100, window: '1m' }))
 * createServer(async (req, res) => {
 *   if (!(await limit(req, res))) return
 *   …
 * })
 */
export function nodeRateLimit(
  limiter: RateLimiter,
  options?: RateLimitMiddlewareOptions<IncomingMessage>,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const keyOf = setup(limiter, options, (req: IncomingMessage) => req.socket.remoteAddress ?? UNKNOWN_CLIENT)
  return async (req, res) => {
    const result = await verdict(limiter, keyOf(req))
    if (result === undefined) return true
    for (const [name, value] of Object.entries(rateLimitHeaders(limiter, result))) res.setHeader(name, value)
    if (result.allowed) return true
    res.statusCode = 429
    res.setHeader('Content-Type', 'text/plain; charset=utf-8')
    res.end(TOO_MANY)
    return false
  }
}

/**
 * What the fetch adapter's `rateLimitMiddleware` resolves to: the headers to add to your response
 * and, over the limit, the 429 response to send instead.
 * @example
 * const { refused, headers } = await limit(request, { ip })
 */
export interface FetchRateLimitVerdict {
  /** A 429 response with the headers and `Retry-After`, when the request is over the limit. */
  refused: Response | undefined
  /** `RateLimit-Policy` and `RateLimit` (empty when the request was not counted). */
  headers: Record<string, string>
}

/**
 * Fetch handlers (Bun, Deno, workers): `await limit(request, { ip })` counts the request under
 * `key(request)` or the `ip` you pass (a `Request` carries no address: Bun's
 * `server.requestIP(request)?.address`, Deno's `info.remoteAddr.hostname`).
 * @example
 * const limit = rateLimitMiddleware(rateLimit({ store: cache, limit: 100, window: '1m' }))
 * async function handle(request: Request, ip: string): Promise<Response> {
 *   const { refused, headers } = await limit(request, { ip })
 *   if (refused) return refused
 *   return new Response('ok', { headers })
 * }
 */
export function fetchRateLimit(
  limiter: RateLimiter,
  options?: RateLimitMiddlewareOptions<Request>,
): (request: Request, info?: { ip?: string }) => Promise<FetchRateLimitVerdict> {
  const keyOf = setup(limiter, options, () => undefined)
  const custom = options?.key !== undefined
  return async (request, info) => {
    const key = custom ? keyOf(request) : (info?.ip ?? UNKNOWN_CLIENT)
    const result = await verdict(limiter, key)
    if (result === undefined) return { refused: undefined, headers: {} }
    const headers = rateLimitHeaders(limiter, result)
    const refused = result.allowed
      ? undefined
      : new Response(TOO_MANY, { status: 429, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } })
    return { refused, headers }
  }
}
