/**
 * keycard/hono in process: the same Hono app as hono.ts, driven through `app.request()` (how
 * Hono apps are usually tested), the jar's cookies written into a Cookie header by hand. Nothing
 * listens, so rows that need a socket (raw requests, node's header limit) do not apply.
 */

import { Client, type Reply, type RequestOptions } from '../../helpers/http'
import { harness as hono, honoApp } from './hono'
import type { Harness } from './types'

/**
 * A `Client` whose requests go to `send` (a Hono app's `app.request`) instead of over the network:
 * the same jar, the Cookie header written by hand from it, Set-Cookie stored back.
 * @example
 * const c = new InProcessClient('http://127.0.0.1', (url, init) => app.request(url, init))
 * await c.get('/count')
 */
export class InProcessClient extends Client {
  constructor(
    origin: string,
    readonly send: (url: URL, init: RequestInit) => Response | Promise<Response>,
  ) {
    super(origin)
  }

  override async request<B = unknown>(path: string, options: RequestOptions = {}): Promise<Reply<B>> {
    const url = new URL(path, this.origin)
    const headers = new Headers(options.headers)
    const raw = options.cookie !== undefined
    const cookie = raw ? options.cookie : this.jar.header(url)
    if (cookie !== null && cookie !== undefined) headers.set('cookie', cookie)
    const response = await this.send(url, { method: options.method ?? 'GET', headers, body: options.body })
    const setCookie = response.headers.getSetCookie()
    if (!raw) for (const line of setCookie) this.jar.store(line, url)
    const text = await response.text()
    let body: unknown = text
    if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text)
    return { status: response.status, body: body as B, setCookie, headers: response.headers }
  }
}

/**
 * The hono-request harness, listed in HARNESSES (index.ts).
 * @example
 * startApp(t, 'hono-request', {}, routes)
 */
export const harness: Harness = {
  commitFailureVia: hono.commitFailureVia,
  listens: false,
  async start(_t, mount) {
    const { app, manager } = honoApp(mount)
    const origin = 'http://127.0.0.1'
    return { origin, manager, client: () => new InProcessClient(origin, (url, init) => app.request(url, init)) }
  },
}
