// The session inspector: what the browser sent, what this response sets, and the anatomy of the
// sealed value, read from the public sealed format (docs/FORMATS.md, "Sealed value (v1)"). It
// parses headers only: it never opens a sealed value and never sees a key, so everything it
// shows is what anyone holding the cookie could read.
import { createHash } from 'node:crypto'
import { html } from './html.mjs'

/**
 * The cookies of a Cookie header, in order, as { name, value } (no decoding: sizes are as sent).
 * @example
 * parseCookieHeader('a=1; keycard=AQh…') // [{ name: 'a', value: '1' }, { name: 'keycard', value: 'AQh…' }]
 */
export function parseCookieHeader(header) {
  if (!header) return []
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.includes('='))
    .map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1) }))
}

/**
 * One Set-Cookie line as { name, value, attributes: ['Path=/', 'HttpOnly', ...], cleared }.
 * @example
 * parseSetCookie('keycard.1=; Max-Age=0; Path=/').cleared // true
 */
export function parseSetCookie(line) {
  const [pair, ...attributes] = line.split(';').map((p) => p.trim())
  const name = pair.slice(0, pair.indexOf('='))
  const value = pair.slice(pair.indexOf('=') + 1)
  // A line with Max-Age=0 deletes the cookie: how keycard clears chunks a smaller session left.
  const cleared = attributes.some((a) => /^max-age=0$/i.test(a))
  return { name, value, attributes, cleared }
}

/**
 * The Set-Cookie lines this response carries so far.
 * @example
 * setCookieLines(res) // ['keycard=AQh…; Path=/; …; HttpOnly; SameSite=Lax']
 */
export function setCookieLines(res) {
  const header = res.getHeader('set-cookie')
  if (header === undefined) return []
  return Array.isArray(header) ? header.map(String) : [String(header)]
}

/**
 * Whether `cookie` is the session cookie `name` or one of its chunks (`name.1`...), as keycard names them.
 * @example
 * isSessionCookie('keycard.2', 'keycard') // true; isSessionCookie('keycard-memory', 'keycard') // false
 */
export const isSessionCookie = (cookie, name) =>
  cookie === name || new RegExp(`^${name.replace(/[.-]/g, '\\$&')}\\.[1-9]\\d?$`).test(cookie)

/**
 * The session value spread over `cookies` (first cookie `<count>*<part>`, then `name.1`...), or
 * null when a chunk is missing. Mirrors keycard's own joining, for display only.
 * @example
 * joinSession([{ name: 'keycard', value: '2*abc' }, { name: 'keycard.1', value: 'def' }], 'keycard') // { value: 'abcdef', chunks: 2 }
 */
export function joinSession(cookies, name) {
  const byName = new Map(cookies.map((c) => [c.name, c.value]))
  const first = byName.get(name)
  if (first === undefined) return null
  const star = first.indexOf('*')
  if (star <= 0) return { value: first, chunks: 1 }
  const count = Number(first.slice(0, star))
  const parts = [first.slice(star + 1)]
  for (let i = 1; i < count; i++) {
    const part = byName.get(`${name}.${i}`)
    if (part === undefined) return null
    parts.push(part)
  }
  return { value: parts.join(''), chunks: count }
}

const hex = (bytes) => Buffer.from(bytes).toString('hex')

/**
 * The public header of a sealed value, or { error }:
 * version (1 byte) | key id length L (1) | key id (L) | purpose hint (2) | nonce (12) | ciphertext | tag (16).
 * The ciphertext is AES-256-GCM of kind (1) + exp (4) + nbf (4) + the data: its length is public,
 * its content is not.
 * @example
 * sealedAnatomy(cookieValue, 'keycard/session/keycard') // { version: 1, keyId: 'ChP9ohMx', nonce: '…', ciphertext: 155, tag: 16, … }
 */
export function sealedAnatomy(text, purpose) {
  // Strict base64url, as keycard decodes it: anything else is not a sealed value.
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return { error: 'not base64url' }
  const bytes = Buffer.from(text, 'base64url')
  const L = bytes[1]
  if (bytes.length < 4 || L < 1 || L > 64 || bytes.length < 2 + L + 2 + 12 + 9 + 16)
    return { error: 'too short for a sealed value' }
  const hint = bytes.subarray(2 + L, 4 + L)
  const expected = createHash('sha256').update(`keycard/v1/seal/${purpose}`).digest().subarray(0, 2)
  return {
    bytes: bytes.length,
    version: bytes[0],
    keyId: bytes.subarray(2, 2 + L).toString('latin1'),
    hint: hex(hint),
    hintMatches: hint.equals(expected),
    nonce: hex(bytes.subarray(4 + L, 16 + L)),
    ciphertext: bytes.length - (16 + L) - 16,
    tag: 16,
  }
}

/**
 * A signed session id (server stores): `<id>.<HMAC tag>`; only lengths are shown.
 * @example
 * signedIdAnatomy(cookieValue) // { idChars: 43, tagChars: 43 }
 */
export function signedIdAnatomy(text) {
  const dot = text.lastIndexOf('.')
  if (dot <= 0) return { error: 'not a signed id' }
  return { idChars: dot, tagChars: text.length - dot - 1 }
}

/**
 * A duration in ms as "13 h 59 min" (what the countdown shows before its script takes over).
 * @example
 * remaining(90_000) // '1 min 30 s'
 */
export function remaining(ms) {
  if (ms <= 0) return 'expired'
  const s = Math.floor(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`
}

const cookieRows = (cookies, name) =>
  cookies.map(
    (
      c,
    ) => html`<tr data-name="${c.name}" data-size="${c.value.length}"${c.attributes ? html` data-attributes="${c.attributes.join('; ')}"` : ''}>
<th scope="row"><code>${c.name}</code>${isSessionCookie(c.name, name) ? '' : html` <small>(not keycard's)</small>`}</th>
<td class="size">${c.value.length} B</td>${c.attributes ? html`<td>${c.cleared ? html`<strong>deleted</strong> ` : ''}${c.attributes.join('; ')}</td>` : ''}</tr>`,
  )

function anatomyTable(id, caption, value, info) {
  if (value === null) return ''
  if (info.kind === 'memory') {
    const a = signedIdAnatomy(value)
    return html`<table id="${id}"><caption>${caption}: a signed session id</caption>
${
  a.error
    ? html`<tr><td>${a.error}</td></tr>`
    : html`<tr><th scope="row">session id</th><td data-field="id">${a.idChars} characters (256 random bits)</td></tr>
<tr><th scope="row">HMAC-SHA256 tag</th><td data-field="tag">${a.tagChars} characters</td></tr>
<tr><td colspan="2">The data lives in the server's memory store; the cookie only names it.</td></tr>`
}</table>`
  }
  const a = sealedAnatomy(value, info.purpose)
  if (a.error) return html`<table id="${id}"><caption>${caption}</caption><tr><td>${a.error}</td></tr></table>`
  return html`<table id="${id}"><caption>${caption}: ${a.bytes} bytes sealed</caption>
<tr><th scope="row">version</th><td data-field="version">${a.version}</td></tr>
<tr><th scope="row">key id</th><td data-field="kid"><code>${a.keyId}</code></td></tr>
<tr><th scope="row">purpose hint</th><td data-field="hint"><code>${a.hint}</code> ${a.hintMatches ? html`(matches <code>${info.purpose}</code>)` : '(another purpose)'}</td></tr>
<tr><th scope="row">nonce</th><td data-field="nonce"><code class="wrap">${a.nonce}</code> (12 random bytes)</td></tr>
<tr><th scope="row">ciphertext</th><td data-field="ciphertext">${a.ciphertext} bytes: kind, expiry and not-before (9), then the session record (${a.ciphertext - 9})</td></tr>
<tr><th scope="row">GCM tag</th><td data-field="tag">${a.tag} bytes</td></tr></table>`
}

/**
 * The side panel. `info` is gathered by the page after this response's session was committed:
 * { backend, store: { kind, name, purpose }, refused, isNew, data, startedAt, expiresAt, rolling,
 *   ttl, renewed, sent: [{name, value}], set: [parsed Set-Cookie], commitError, loadUs, commitUs, previous }
 * @example
 * layout({ ...view, panel: panel(info) })
 */
export function panel(info) {
  const sentSession = info.sent.filter((c) => isSessionCookie(c.name, info.store.name))
  const joined = joinSession(info.sent, info.store.name)
  const setLive = info.set.filter((c) => !c.cleared)
  const setJoined = joinSession(setLive, info.store.name)
  const renewAt = info.expiresAt - info.ttl / 2
  return html`<aside class="inspector" aria-labelledby="inspector-title">
<h2 id="inspector-title">Session inspector</h2>
${info.refused ? html`<p class="refused" id="refused">Your browser's session cookie was <strong>refused</strong>: <code id="refused-code">${info.refused}</code> (reported by <code>onInvalid</code>). keycard cleared it and started this fresh session.</p>` : ''}
<dl>
<dt>Backend</dt><dd><span id="panel-backend">${info.backend.name}</span>: ${info.backend.reason}</dd>
<dt>Store</dt><dd><span id="panel-store">${info.store.kind}</span> (cookie <code>${info.store.name}</code>)</dd>
<dt>New session</dt><dd id="is-new">${info.isNew ? 'yes' : 'no'}</dd>
<dt>Created</dt><dd><time datetime="${info.startedAt}">${info.startedAt}</time> <small>(recorded by the demo in the data)</small></dd>
<dt>Expires</dt><dd><time id="expires" datetime="${new Date(info.expiresAt).toISOString()}" data-expires="${info.expiresAt}">${new Date(info.expiresAt).toISOString()}</time>, in <span id="countdown" data-expires="${info.expiresAt}">${remaining(info.expiresAt - info.now)}</span></dd>
<dt>Rolling</dt><dd id="rolling">${rollingText(info, renewAt)}</dd>
<dt>This request</dt><dd>load <span id="load-us">${info.loadUs}</span> µs, commit <span id="commit-us">${info.commitUs ?? '—'}</span> µs <small>(the page commits the session before it draws this panel, so both are this response's)</small></dd>
</dl>
<h3>Session data, as the server sees it</h3>
<pre id="session-data">${JSON.stringify(info.data, null, 2)}</pre>
<h3>Cookies your browser sent</h3>
${info.sent.length === 0 ? html`<p id="sent-none">None.</p>` : html`<table id="sent-cookies"><tr><th scope="col">name</th><th scope="col">size</th></tr>${cookieRows(info.sent, info.store.name)}</table>`}
<p>Session: <span id="sent-chunks">${sentSession.length === 0 ? 'no cookie' : `${joined?.chunks ?? '?'} cookie${joined?.chunks === 1 ? '' : 's'}`}</span></p>
${joined ? anatomyTable('sent-anatomy', 'As sent', joined.value, info.store) : ''}
<h3>Cookies this response sets</h3>
${info.commitError ? html`<p id="commit-error">None: the commit failed (<code>${info.commitError}</code>), nothing was saved and your browser keeps its cookies.</p>` : ''}
${info.set.length === 0 ? html`<p id="set-none">None${info.commitError ? '' : ': the session did not change and rolling did not renew it'}.</p>` : html`<table id="set-cookies"><tr><th scope="col">name</th><th scope="col">size</th><th scope="col">attributes</th></tr>${cookieRows(info.set, info.store.name)}</table>`}
${setJoined ? anatomyTable('set-anatomy', 'As set', setJoined.value, info.store) : ''}
${info.previous ? html`<h3>The previous response</h3><p id="previous">${info.previous.method} ${info.previous.path} answered ${info.previous.status}, committed in ${info.previous.commitUs} µs, setting: ${info.previous.set.map((c) => `${c.name} (${c.cleared ? 'deleted' : `${c.value.length} B`})`).join(', ') || 'nothing'}</p>` : ''}
</aside>`
}

function rollingText(info, renewAt) {
  const ttl = remaining(info.ttl)
  if (info.rolling === true) return `every response renews it for ${ttl}`
  if (info.rolling === false) return `never renewed unless the data changes (idle timeout ${ttl})`
  const renewed = info.renewed ? ' This response saved it, so it expires a full idle timeout from now.' : ''
  return `'auto': a response renews it for ${ttl} once less than half is left, from ${new Date(renewAt).toISOString()}.${renewed}`
}
