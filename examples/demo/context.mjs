// Per-request context for the inspector: which session manager serves the request (cookie or
// memory store, by a preference cookie), how long keycard's load and commit took, and the code
// onInvalid reported. onInvalid receives only the code, so the request it belongs to is found
// through AsyncLocalStorage: keycard calls it inside load(), within the request's async context.
import { AsyncLocalStorage } from 'node:async_hooks'
import { parseSetCookie, setCookieLines } from './inspector.mjs'

const requests = new AsyncLocalStorage()
const contexts = new WeakMap()

/**
 * The session option `onInvalid`: remembers the refusal code on the current request.
 * @example
 * session({ onInvalid }) // then contextOf(req).refused === 'ERR_DECRYPT' after a tampered cookie
 */
export function onInvalid(code) {
  const context = requests.getStore()
  if (context) context.refused = code
}

/**
 * The context of a request (set by `sessions()` below).
 * @example
 * const { store, manager, refused, loadUs, commitUs } = contextOf(req)
 */
export const contextOf = (req) => contexts.get(req)

const since = (start) => Math.round(Number(process.hrtime.bigint() - start) / 1000)

// What a redirecting response did (it has no page of its own), for the page that follows, by
// session id. Bounded: a demo must not grow without limit, whoever calls it.
const previousResponses = new Map()
function remember(id, entry) {
  previousResponses.delete(id)
  previousResponses.set(id, entry)
  if (previousResponses.size > 1000) previousResponses.delete(previousResponses.keys().next().value)
}

/**
 * One middleware in front of keycard's: picks the session middleware (`middlewares[pick(req)]`),
 * times its load (until it calls next) and its commit (from res.end until keycard's own res.end
 * wrapper sends the response), and adds a Server-Timing header with both.
 * @example
 * app.use(sessions({ cookie: session(), memory: session({ store: memoryStore() }) }, (req) => 'cookie'))
 */
export function sessions(middlewares, pick) {
  return (req, res, next) => {
    const store = pick(req)
    const middleware = middlewares[store]
    const context = { store, manager: middleware.manager, refused: undefined, loadUs: 0, commitUs: undefined, rendered: false }
    contexts.set(req, context)
    // Installed before keycard's middleware, so keycard's res.end calls this one once it committed.
    const send = res.end
    context.send = send
    res.end = function sendTimed(...args) {
      if (context.commitStart !== undefined && context.commitUs === undefined) context.commitUs = since(context.commitStart)
      if (!res.headersSent) {
        const timing = [`load;dur=${context.loadUs / 1000};desc="session load"`]
        if (context.commitUs !== undefined) timing.push(`commit;dur=${context.commitUs / 1000};desc="session commit"`)
        res.setHeader('Server-Timing', timing.join(', '))
      }
      // A redirect has no panel: the next page shows what it set.
      if (!context.rendered && context.loaded && res.statusCode >= 300 && res.statusCode < 400) {
        const set = setCookieLines(res).map(parseSetCookie)
        remember(req.session.id, { method: req.method, path: req.path, status: res.statusCode, commitUs: context.commitUs, set })
      }
      return send.apply(this, args)
    }
    const start = process.hrtime.bigint()
    requests.run(context, () =>
      middleware(req, res, (err) => {
        context.loadUs = since(start)
        if (err === undefined) {
          context.loaded = true
          context.isNew = req.session.isNew
          context.previous = previousResponses.get(req.session.id)
          previousResponses.delete(req.session.id)
          // keycard's res.end commits, then calls sendTimed: the commit starts here.
          const commitThenSend = res.end
          res.end = function startCommit(...args) {
            context.commitStart ??= process.hrtime.bigint()
            return commitThenSend.apply(this, args)
          }
        }
        next(err)
      }),
    )
  }
}

/**
 * Times `commit()` (the page's early commit) into the request's context.
 * @example
 * await timedCommit(req, () => commitSession(req, res)) // contextOf(req).commitUs
 */
export async function timedCommit(req, commit) {
  const context = contextOf(req)
  const start = process.hrtime.bigint()
  await commit()
  context.commitUs = since(start)
}
