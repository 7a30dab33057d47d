/**
 * Real HTTP for integration tests: servers on 127.0.0.1 with an ephemeral port, closed when the
 * test ends, and a small cookie-jar client over global fetch.
 *
 * The jar follows the browser rules these tests depend on (RFC 6265bis §5.6-5.8, simplified):
 * - cookies are keyed by (name, path); a later Set-Cookie with the same key replaces the earlier;
 * - `Max-Age` <= 0, or (without Max-Age) an `Expires` in the past, deletes the cookie; `Max-Age`
 *   wins over `Expires`; cookies past their expiry are dropped before every request;
 * - `Path` (or the default path of the request URL) is honoured when sending; the `Cookie` header
 *   lists longer paths first, then older cookies first, as `a=1; b=2`;
 * - `Domain` is ignored (the servers are one host), and `Secure` cookies are sent over http because
 *   127.0.0.1 is a potentially trustworthy origin for browsers too.
 */

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import type { ExecutionContext } from 'ava'

/** A loopback port nothing listens on right now (a caller may still lose a race for it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface Listening {
  server: Server
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  origin: string
  close(): Promise<void>
}

/** Listens on 127.0.0.1:0 and closes (dropping keep-alive connections) when the test ends. */
export async function listen(t: ExecutionContext, server: Server): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    return closed
  }
  t.teardown(close)
  return { server, origin: `http://127.0.0.1:${port}`, close }
}

/** Serves a node:http request listener (an Express app, a bare handler). */
export function serveNode(
  t: ExecutionContext,
  listener: RequestListener,
  options: { maxHeaderSize?: number } = {},
): Promise<Listening> {
  return listen(t, createServer({ maxHeaderSize: options.maxHeaderSize }, listener))
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** IncomingMessage → Web Request (headers as node joined them, body for methods that have one). */
export async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req)
  return new Request(new URL(req.url ?? '/', origin), { method, headers, body })
}

/** Web Response → ServerResponse (each Set-Cookie kept as its own header line). */
export async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** Serves a Web handler `(Request) => Response` through node:http. A throw answers 500. */
export function serveFetch(
  t: ExecutionContext,
  handler: (request: Request) => Promise<Response> | Response,
  options: { maxHeaderSize?: number } = {},
): Promise<Listening> {
  let origin = ''
  const listening = serveNode(
    t,
    (req, res) => {
      toRequest(req, origin)
        .then(handler)
        .then((response) => sendResponse(response, res))
        .catch((err: unknown) => {
          if (res.headersSent) return res.destroy(err as Error)
          res.statusCode = 500
          res.end(`unhandled: ${(err as Error)?.message}`)
        })
    },
    options,
  )
  return listening.then((l) => {
    origin = l.origin
    return l
  })
}

// --- Cookie jar ---------------------------------------------------------------------------------

export interface StoredCookie {
  name: string
  value: string
  path: string
  /** ms since the epoch; undefined: a session cookie. */
  expires?: number
  /** Creation order, for the Cookie header's ordering rule. */
  seq: number
  attributes: Record<string, string | true>
}

export interface ParsedSetCookie {
  name: string
  value: string
  attributes: Record<string, string | true>
}

/** A Set-Cookie line: `name=value` then `; attr[=value]`s (attribute names lowercased). */
export function parseSetCookie(line: string): ParsedSetCookie | null {
  const [pair = '', ...attrs] = line.split(';')
  const eq = pair.indexOf('=')
  if (eq <= 0) return null
  const attributes: Record<string, string | true> = {}
  for (const attr of attrs) {
    const i = attr.indexOf('=')
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase()
    if (key !== '') attributes[key] = i < 0 ? true : attr.slice(i + 1).trim()
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes }
}

/** The default-path of a request path (RFC 6265 §5.1.4). */
function defaultPath(pathname: string): string {
  if (!pathname.startsWith('/')) return '/'
  const last = pathname.lastIndexOf('/')
  return last <= 0 ? '/' : pathname.slice(0, last)
}

/** Path-match (RFC 6265 §5.1.4). */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

export class CookieJar {
  #cookies = new Map<string, StoredCookie>()
  #seq = 0
  /** Clock used for Max-Age and Expires; tests may move it. */
  now: () => number = Date.now

  static #key(name: string, path: string): string {
    return `${name}\0${path}`
  }

  /** Stores one Set-Cookie line received for `url`. */
  store(line: string, url: URL): void {
    const parsed = parseSetCookie(line)
    if (parsed === null) return
    const { name, value, attributes } = parsed
    const pathAttr = attributes.path
    const path = typeof pathAttr === 'string' && pathAttr.startsWith('/') ? pathAttr : defaultPath(url.pathname)
    let expires: number | undefined
    const maxAge = attributes['max-age']
    if (typeof maxAge === 'string' && /^-?\d+$/.test(maxAge)) {
      const seconds = Number(maxAge)
      expires = seconds <= 0 ? 0 : this.now() + seconds * 1000
    } else if (typeof attributes.expires === 'string') {
      const at = Date.parse(attributes.expires)
      if (!Number.isNaN(at)) expires = at
    }
    const key = CookieJar.#key(name, path)
    if (expires !== undefined && expires <= this.now()) {
      this.#cookies.delete(key)
      return
    }
    const seq = this.#cookies.get(key)?.seq ?? this.#seq++
    this.#cookies.set(key, { name, value, path, expires, seq, attributes })
  }

  #expire(): void {
    const now = this.now()
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expires !== undefined && cookie.expires <= now) this.#cookies.delete(key)
    }
  }

  /** The Cookie header for `url`, or undefined when no cookie applies. */
  header(url: URL): string | undefined {
    this.#expire()
    const list = [...this.#cookies.values()]
      .filter((c) => pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length || a.seq - b.seq)
    return list.length === 0 ? undefined : list.map((c) => `${c.name}=${c.value}`).join('; ')
  }

  /** All live cookies, oldest first. */
  all(): StoredCookie[] {
    this.#expire()
    return [...this.#cookies.values()].sort((a, b) => a.seq - b.seq)
  }

  /** Live cookie names, oldest first. */
  names(): string[] {
    return this.all().map((c) => c.name)
  }

  /** The value of the live cookie `name` (any path; the longest path first). */
  get(name: string): string | undefined {
    return this.all()
      .filter((c) => c.name === name)
      .sort((a, b) => b.path.length - a.path.length)[0]?.value
  }

  // --- Tampering ---

  /** Sets (or replaces) a cookie as if the server had, without expiry. */
  set(name: string, value: string, path = '/'): void {
    const key = CookieJar.#key(name, path)
    const seq = this.#cookies.get(key)?.seq ?? this.#seq++
    this.#cookies.set(key, { name, value, path, seq, attributes: { path } })
  }

  /** Rewrites the value of cookie `name` (every path); throws when there is none. */
  update(name: string, change: (value: string) => string): void {
    let found = false
    for (const cookie of this.#cookies.values()) {
      if (cookie.name !== name) continue
      cookie.value = change(cookie.value)
      found = true
    }
    if (!found) throw new Error(`no cookie ${name} in the jar`)
  }

  /** Removes cookie `name` (every path); returns whether there was one. */
  delete(name: string): boolean {
    let found = false
    for (const [key, cookie] of this.#cookies) {
      if (cookie.name === name) {
        this.#cookies.delete(key)
        found = true
      }
    }
    return found
  }

  clear(): void {
    this.#cookies.clear()
  }

  /** A copy of the jar's contents, to replay later with `restore` (a stolen or pre-login cookie). */
  snapshot(): StoredCookie[] {
    return this.all().map((c) => ({ ...c, attributes: { ...c.attributes } }))
  }

  restore(cookies: readonly StoredCookie[]): void {
    this.#cookies.clear()
    for (const c of cookies) this.#cookies.set(CookieJar.#key(c.name, c.path), { ...c, attributes: { ...c.attributes } })
  }
}

/** `s` with the character at `index` (negative: from the end) replaced by another base64url character. */
export function flipChar(s: string, index: number): string {
  const i = index < 0 ? s.length + index : index
  if (i < 0 || i >= s.length) throw new RangeError(`index ${index} outside a ${s.length}-character string`)
  const c = s[i] as string
  const replacement = c === 'A' ? 'B' : 'A'
  return s.slice(0, i) + replacement + s.slice(i + 1)
}

export interface Reply<B = unknown> {
  status: number
  /** The body, parsed as JSON when it is JSON, else the text. */
  body: B
  /** The raw Set-Cookie lines of the response, in order. */
  setCookie: string[]
  headers: Headers
}

export interface RequestOptions {
  method?: string
  body?: string
  headers?: Record<string, string>
  /** Send exactly this Cookie header (the jar is neither read nor updated); null sends none. */
  cookie?: string | null
}

/** A browser-ish client of one origin: every request sends the jar's cookies and stores Set-Cookie. */
export class Client {
  readonly jar = new CookieJar()
  constructor(readonly origin: string) {}

  async request<B = unknown>(path: string, options: RequestOptions = {}): Promise<Reply<B>> {
    const url = new URL(path, this.origin)
    const headers = new Headers(options.headers)
    const raw = options.cookie !== undefined
    const cookie = raw ? options.cookie : this.jar.header(url)
    if (cookie !== null && cookie !== undefined) headers.set('cookie', cookie)
    const response = await fetch(url, { method: options.method ?? 'GET', headers, body: options.body, redirect: 'manual' })
    const setCookie = response.headers.getSetCookie()
    if (!raw) for (const line of setCookie) this.jar.store(line, url)
    const text = await response.text()
    let body: unknown = text
    if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text)
    return { status: response.status, body: body as B, setCookie, headers: response.headers }
  }

  get<B = unknown>(path: string, options?: RequestOptions): Promise<Reply<B>> {
    return this.request<B>(path, options)
  }
}

/** The Set-Cookie lines of a reply that set or clear cookie `name`. */
export function setCookiesNamed(reply: Reply, name: string): ParsedSetCookie[] {
  return reply.setCookie.map(parseSetCookie).filter((c): c is ParsedSetCookie => c !== null && c.name === name)
}

/** Whether a parsed Set-Cookie deletes its cookie (Max-Age <= 0). */
export function isDeletion(cookie: ParsedSetCookie): boolean {
  return typeof cookie.attributes['max-age'] === 'string' && Number(cookie.attributes['max-age']) <= 0
}

export interface RawReply {
  /** 0 when the server closed the connection without a status line. */
  status: number
  head: string
  body: string
  /** The Set-Cookie lines of the response. */
  setCookie: string[]
}

/**
 * One HTTP/1.1 request written byte for byte on a socket, for headers fetch refuses to send
 * (bytes outside Latin-1, repeated Cookie lines). `headerLines` go between the request line and
 * the blank line, as UTF-8; `Host` and `Connection: close` are added.
 */
export function rawRequest(origin: string, path: string, headerLines: readonly string[]): Promise<RawReply> {
  const url = new URL(origin)
  const head = [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', ...headerLines, '', ''].join('\r\n')
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? socket.emit('close') : reject(err)))
    socket.on('close', () => {
      const bytes = Buffer.concat(chunks)
      const split = bytes.indexOf('\r\n\r\n')
      const headText = (split < 0 ? bytes : bytes.subarray(0, split)).toString('latin1')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headText)?.[1] ?? 0)
      const setCookie = headText
        .split('\r\n')
        .filter((l) => /^set-cookie:/i.test(l))
        .map((l) => l.slice(l.indexOf(':') + 1).trim())
      resolve({ status, head: headText, body: split < 0 ? '' : bytes.subarray(split + 4).toString('utf8'), setCookie })
    })
    socket.write(Buffer.from(head, 'utf8'))
  })
}
