/**
 * The session API behind a session object (session.ts): get/set/delete/has/clear, regenerate,
 * destroy, touch, save (with the callback forms adapters allow), flash and csrfToken, over the request's
 * SessionState; and how data is read and written so that commit knows what may have changed.
 */

import { createCsrfToken } from '../csrf'
import { publish, type SessionEventMessage } from '../diagnostics'
import { createError } from '../errors'
import type { Keyring } from '../keys'
import type { Duration } from '../lib/duration'
import { randomId } from '../random'
import { sessionTtl } from './lifetime'
import type { SessionApi, SessionHabits, SessionState } from './session'

/**
 * What a manager lends the sessions it loads: its keyring (`csrfToken()`) and its label in
 * diagnostics messages. Registered by the manager itself, so this layer needs nothing of it.
 * @example
 * setSessionOwner(this, { keyring: this.options.keyring, events: this.events })
 */
export interface SessionOwner {
  keyring: Keyring
  events: SessionEventMessage
}

const OWNERS = new WeakMap<object, SessionOwner>()

/**
 * Records what the sessions of `manager` (their `state.owner`) may use of it; called once, when
 * the manager is built.
 * @example
 * setSessionOwner(manager, { keyring: manager.options.keyring, events: manager.events })
 */
export function setSessionOwner(manager: object, owner: SessionOwner): void {
  OWNERS.set(manager, owner)
}

function ownerOf(state: SessionState): SessionOwner {
  const owner = OWNERS.get(state.owner)
  if (owner === undefined) throw createError('ERR_INVALID_ARGUMENT', 'not a session loaded by a SessionManager')
  return owner
}

/** express-session's callback: `(err?) => void`. */
type Callback = (err?: unknown) => void

/** Habits by manager (a session's `owner`): set once per adapter, read only off the common path. */
const HABITS = new WeakMap<object, SessionHabits>()

/**
 * Records how the sessions of `manager` are used (called once, by each adapter, when it is made).
 * @example
 * const manager = new SessionManager(options)
 * setSessionHabits(manager, { callbacks: true, cookieStore: manager.options.store.kind === 'cookie' })
 */
export function setSessionHabits(manager: object, habits: SessionHabits): void {
  HABITS.set(manager, habits)
}

/**
 * A session id: 256 bits from the OS CSPRNG, 43 base64url characters.
 * @example
 * const id = newSessionId() // 'Q9x3mTz7…' (43 characters)
 */
export function newSessionId(): string {
  return randomId(32)
}

function dataKey(key: unknown): string {
  if (typeof key !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'session keys must be strings')
  return key
}

function regenerate(state: SessionState, options: { keepData?: boolean } | undefined): void {
  // The clock first: a clock that throws leaves the session as it was.
  const now = state.now()
  if (!state.isNew) state.retired.push(state.meta.id)
  // A new session as far as anyone can tell: new id, and its absolute lifetime starts now.
  state.meta = { ...state.meta, id: newSessionId(), c: now }
  // The revocation generation is read again at save: "log out everywhere else" bumps it and
  // regenerates in the same request, and this device must carry the new generation.
  delete state.meta.g
  state.isNew = true
  state.exposed = true
  if (options?.keepData !== true) {
    state.data = Object.create(null)
    delete state.meta.f
  }
  if (publish.regenerate.hasSubscribers) publish.regenerate.publish(ownerOf(state).events)
}

function destroy(state: SessionState): void {
  const now = state.now()
  if (!state.isNew) state.retired.push(state.meta.id)
  state.destroyed = true
  state.isNew = true
  state.exposed = true
  state.data = Object.create(null)
  state.meta = { v: 1, id: newSessionId(), c: now, e: state.meta.e }
  state.loadedJson = '{}'
  if (publish.destroy.hasSubscribers) publish.destroy.publish(ownerOf(state).events)
}

/**
 * `save()`. Where the app commits by hand (keycard/node, keycard/fetch) a cookie session cannot
 * be saved before the response exists: iron-session's `await session.save()` would resolve and
 * save nothing, so it is refused with the call that does save.
 */
function save(state: SessionState): Promise<void> {
  const habits = HABITS.get(state.owner)
  if (habits?.commit !== undefined && habits.cookieStore) {
    return Promise.reject(
      createError(
        'ERR_INVALID_ARGUMENT',
        `session.save() cannot save a cookie session before the response: it is sealed into the cookie by \`await ${habits.commit}\`; call that instead`,
      ),
    )
  }
  return state.save()
}

/**
 * express-session's callback form of regenerate, destroy and save. Where the adapter honours it
 * (Express, Koa), `work` runs now and `callback(err?)` is called after it, never synchronously
 * (express-session's come after store I/O, and code written for it may rely on that), with
 * whatever the work threw or rejected with. Elsewhere it is refused: a callback nobody calls hangs
 * the request, which is the silent failure this exists to prevent.
 */
function viaCallback(
  state: SessionState,
  name: 'regenerate' | 'destroy' | 'save',
  callback: Callback,
  work: () => unknown,
): void {
  const habits = HABITS.get(state.owner)
  if (habits?.callbacks !== true) throw createError('ERR_INVALID_ARGUMENT', noCallback(name, habits))
  let done: Promise<unknown>
  try {
    done = Promise.resolve(work())
  } catch (err) {
    done = Promise.reject(err)
  }
  // Called outside the promise chain: an exception in the app's callback is the app's, thrown
  // like any other, not turned into a rejection nobody handles.
  done.then(
    () => process.nextTick(callback),
    (err: unknown) => process.nextTick(callback, err),
  )
}

/** What to call instead of a callback form, as accurate as the adapter lets us be. */
function noCallback(name: 'regenerate' | 'destroy' | 'save', habits: SessionHabits | undefined): string {
  const commit = habits?.commit
  const committed = commit === undefined ? 'when the response is sent' : `by \`await ${commit}\``
  const lead = `keycard sessions take no callback: session.${name}(callback) would never call it`
  if (name === 'regenerate')
    return `${lead}. session.regenerate() is synchronous (the new id is saved ${committed}): call it and go on`
  if (name === 'destroy')
    return `${lead}. session.destroy() is synchronous (the cookie is cleared ${committed}): call it and go on`
  if (habits?.cookieStore === true) {
    return `${lead}. This session is sealed into the cookie ${committed}; nothing can be saved before, so drop the save() call`
  }
  const sendsCookie = commit === undefined ? '' : `, then \`await ${commit}\` sends its cookie`
  return `${lead}. Use \`await session.save()\`: it writes to the store now${sendsCookie}`
}

/**
 * `csrfToken()`: one token per request and id, keyed by the secret of the manager that loaded
 * the session (`state.owner`), so the adapter's `csrf()` verifies it with the same keys. A new id
 * (regenerate, destroy) gets a new token: the old one is bound to an id that is gone.
 */
function csrfToken(state: SessionState): string {
  const id = state.meta.id
  if (state.csrf?.id !== id) {
    const { keyring } = ownerOf(state)
    state.csrf = { id, token: createCsrfToken(id, keyring) }
  }
  return state.csrf.token
}

/**
 * The API functions of one request's session, made on first use.
 * @example
 * target.api ??= apiOf(state) // most requests only touch data
 */
export function apiOf(state: SessionState): SessionApi {
  const api = {
    get: (key: string) => readData(state, dataKey(key)),
    set: (key: string, value: unknown) => setData(state, dataKey(key), value),
    delete: (key: string) => {
      state.exposed = true
      return Object.hasOwn(state.data, dataKey(key)) && delete state.data[key]
    },
    has: (key: string) => Object.hasOwn(state.data, dataKey(key)),
    clear: () => {
      state.exposed = true
      state.data = Object.create(null)
    },
    // A function argument is express-session's callback form: honoured where the adapter says so
    // (Express, Koa), an error naming the call to make everywhere else (see viaCallback).
    regenerate: (options?: { keepData?: boolean } | Callback) =>
      typeof options === 'function'
        ? viaCallback(state, 'regenerate', options, () => regenerate(state, undefined))
        : regenerate(state, options),
    destroy: (callback?: Callback) =>
      typeof callback === 'function' ? viaCallback(state, 'destroy', callback, () => destroy(state)) : destroy(state),
    touch: () => {
      state.touched = true
    },
    // Kept in the metadata (meta.t, meta.p), so later requests of this session follow them too.
    setTtl: (duration: Duration) => {
      state.meta = { ...state.meta, t: sessionTtl(duration, state.now()) }
      state.lifetimeSet = true
    },
    setPersistent: (persistent: boolean) => {
      if (typeof persistent !== 'boolean') throw createError('ERR_INVALID_ARGUMENT', 'session.setPersistent takes true or false')
      state.meta = { ...state.meta, p: persistent }
      state.lifetimeSet = true
    },
    save: (callback?: Callback) =>
      typeof callback === 'function' ? viaCallback(state, 'save', callback, () => save(state)) : save(state),
    flash: (key: string, ...value: unknown[]) => {
      const flashes = state.meta.f ?? Object.create(null)
      if (value.length === 0) {
        const taken = Object.hasOwn(flashes, key) ? flashes[key] : []
        if (taken.length > 0) {
          delete flashes[key]
          state.flashChanged = true
        }
        return taken
      }
      const list = Object.hasOwn(flashes, key) ? flashes[key] : []
      Object.defineProperty(flashes, dataKey(key), {
        value: [...list, value[0]],
        writable: true,
        enumerable: true,
        configurable: true,
      })
      state.meta.f = flashes
      state.flashChanged = true
      return undefined
    },
    csrfToken: () => csrfToken(state),
    toJSON: () => {
      state.exposed = true // the copy shares the nested objects
      return { ...state.data }
    },
  }
  return api as unknown as SessionApi
}

/**
 * Writes a data value (own property, never a prototype setter).
 * @example
 * setData(state, 'views', 2) // marks the data as possibly changed
 */
export function setData(state: SessionState, key: string, value: unknown): void {
  state.exposed = true
  Object.defineProperty(state.data, key, { value, writable: true, enumerable: true, configurable: true })
}

/**
 * A data value; handing out an object means the handler may change it without a write.
 * @example
 * const views = readData(state, 'views') // an object value marks the data as possibly changed
 */
export function readData(state: SessionState, key: string): unknown {
  const value = state.data[key]
  if (typeof value === 'object' && value !== null) state.exposed = true
  return value
}
