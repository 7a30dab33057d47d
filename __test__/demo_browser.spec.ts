/**
 * examples/demo.mjs in a real browser: Debian's chromium driven by playwright-core. The demo runs
 * as a child process on the backend of this run (it inherits KEYCARD_BACKEND) and must say so.
 * Besides the app itself: the session inspector (checked against the Set-Cookie headers the
 * browser received), the tamper button, "log out everywhere" across browser contexts, the store
 * switch and the benchmark page. Screenshots go to test-artifacts/demo/ (git-ignored).
 *
 * The browser is CHROMIUM_PATH, else `chromium` on PATH (`apt-get install chromium`). Without one
 * the test is skipped with a line saying how to install it (a failure in CI: helpers/requires.ts).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { current, t_ } from './helpers/backends'
import { startDemo } from './helpers/demo'
import { findProgram, requires } from './helpers/requires'

const executablePath = findProgram(process.env.CHROMIUM_PATH || 'chromium')
const test = requires('chromium', executablePath)
const SESSION_COOKIE = /^keycard(\.\d+)?$/
const ARTIFACTS = join(__dirname, '..', 'test-artifacts', 'demo')

/** Saves a screenshot of the whole page as a test artifact (test-artifacts/demo/<backend>-<name>.png). */
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, `${current}-${name}.png`), fullPage: true })
}

/** Clicks `selector` and returns the status of the POST it submits (the redirect, or the error page). */
async function submit(page: Page, selector: string, path: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    page.click(selector),
  ])
  await page.waitForLoadState()
  return response.status()
}

test(t_('demo in chromium: cookies, counter, sign-up, login, flash, CSRF, chunked cookies, logout'), async (t) => {
  t.timeout(120_000)
  const started = Date.now()
  const demo = await startDemo(t)
  const browser = await chromium.launch({ executablePath })
  t.teardown(() => browser.close())
  const context = await browser.newContext()
  const page = await context.newPage()
  const sessionCookies = async () => (await context.cookies(demo.origin)).filter((c) => SESSION_COOKIE.test(c.name))
  const names = async () => (await sessionCookies()).map((c) => c.name).sort()
  const text = async (selector: string) => (await page.textContent(selector))?.trim()
  const visits = async () => Number(await text('#visits'))

  // The first visit: a sealed session cookie with the demo's attributes, and the backend of this run.
  const first = await page.goto(`${demo.origin}/`)
  t.is(first?.status(), 200)
  t.is(await text('#backend'), current)
  t.is(await visits(), 1)
  const [cookie] = await sessionCookies()
  t.like(cookie, { name: 'keycard', path: '/', httpOnly: true, secure: false, sameSite: 'Lax' })
  t.is(first?.request().headers().cookie, undefined)

  // The browser sends it back: the counter goes on across loads.
  const second = await page.reload()
  t.regex((await second?.request().allHeaders())?.cookie ?? '', /(^|; )keycard=/)
  t.is(await visits(), 2)
  await page.goto(`${demo.origin}/`)
  t.is(await visits(), 3)

  // Sign up (the name is shown as text, never as markup), then a wrong password, then log in.
  const name = 'Ada <b>Lovelace</b>'
  await page.goto(`${demo.origin}/signup`)
  await page.fill('input[name=name]', name)
  await page.fill('input[name=password]', 'correct horse battery')
  t.is(await submit(page, 'form[action="/signup"] button', '/signup'), 303)
  t.is(new URL(page.url()).pathname, '/login')
  t.is(await text('.flash'), `Account created for ${name}: now log in.`)
  const preLoginToken = await page.inputValue('form[action="/login"] input[name=_csrf]')
  await page.fill('input[name=name]', name)
  await page.fill('input[name=password]', 'wrong password')
  t.is(await submit(page, 'form[action="/login"] button', '/login'), 401)
  t.is(await text('.error'), 'Wrong name or password.')
  await page.fill('input[name=name]', name)
  await page.fill('input[name=password]', 'correct horse battery')
  t.is(await submit(page, 'form[action="/login"] button', '/login'), 303)

  // The flash shows once, on the page after login; the counter survived regenerate({ keepData }).
  t.is(new URL(page.url()).pathname, '/')
  t.deepEqual(await page.locator('.flash').allTextContents(), [`Welcome back, ${name}`])
  t.is(await text('#user'), name)
  t.is(await page.locator('#user b').count(), 0)
  t.is(await visits(), 4)
  await page.reload()
  t.is(await page.locator('.flash').count(), 0)
  t.is(await text('#user'), name)
  t.is(await visits(), 5)

  // The CSRF form: the real token is accepted; a tampered one, or one from before login
  // (regenerate gave the session a new id), is refused with 403 and changes nothing.
  await page.goto(`${demo.origin}/csrf`)
  await page.fill('#motto-form input[name=motto]', 'Sapere <i>aude</i>')
  t.is(await submit(page, '#motto-form button', '/csrf'), 303)
  t.is(await text('#motto'), 'Sapere <i>aude</i>')
  const token = await page.inputValue('#motto-form input[name=_csrf]')
  const tampered = token.slice(0, 40) + (token[40] === 'A' ? 'B' : 'A') + token.slice(41)
  for (const bad of [tampered, preLoginToken, '']) {
    await page.goto(`${demo.origin}/csrf`)
    await page.fill('#motto-form input[name=motto]', 'forged')
    await page.$eval(
      '#motto-form input[name=_csrf]',
      (input, value) => (input as { setAttribute(n: string, v: string): void }).setAttribute('value', value),
      bad,
    )
    t.is(await submit(page, '#motto-form button', '/csrf'), 403, `token ${JSON.stringify(bad)}`)
    t.is(await text('.error'), 'Missing or invalid CSRF token.')
  }
  await page.goto(`${demo.origin}/csrf`)
  t.is(await submit(page, 'text=Post with a tampered token', '/csrf'), 403)
  await page.goto(`${demo.origin}/csrf`)
  t.is(await text('#motto'), 'Sapere <i>aude</i>')

  // A ~6 KB note: the sealed session no longer fits one cookie and is split over keycard, keycard.1, ...
  await page.goto(`${demo.origin}/note`)
  const note = await page.inputValue('textarea[name=note]')
  t.true(note.length > 5500 && note.length < 7000, `sample note of ${note.length} characters`)
  t.is(await submit(page, 'button[value=save]', '/note'), 303)
  t.deepEqual(await names(), ['keycard', 'keycard.1', 'keycard.2'])
  for (const c of await sessionCookies()) t.true(c.name.length + c.value.length <= 4096, `${c.name} fits a browser cookie`)
  t.is(await page.textContent('#note'), note) // read back from the joined chunks
  t.regex((await text('#cookies')) ?? '', /^keycard \(\d+ bytes\), keycard\.1 \(\d+ bytes\), keycard\.2 \(\d+ bytes\)$/)
  await page.goto(`${demo.origin}/`)
  t.is(await visits(), 6)
  t.is(await text('#user'), name)

  // Clearing the note shrinks the session back to one cookie: the stale chunks are deleted.
  await page.goto(`${demo.origin}/note`)
  t.is(await submit(page, 'button[value=clear]', '/note'), 303)
  t.deepEqual(await names(), ['keycard'])
  t.is(await text('#note-size'), 'none')

  // Log out with a big session again: destroy() clears every cookie, and the next visit starts over.
  t.is(await submit(page, 'button[value=save]', '/note'), 303)
  t.deepEqual(await names(), ['keycard', 'keycard.1', 'keycard.2'])
  const logout = page.waitForResponse((r) => new URL(r.url()).pathname === '/logout')
  await page.click('form[action="/logout"] button')
  const cleared = (await (await logout).headerValues('set-cookie')).filter((line) => /Max-Age=0/i.test(line))
  t.deepEqual(cleared.map((line) => line.split('=')[0]).sort(), ['keycard', 'keycard.1', 'keycard.2'])
  await page.waitForLoadState()
  t.is(new URL(page.url()).pathname, '/')
  t.is(await visits(), 1)
  t.is(await page.locator('#user').count(), 0)
  t.is(await text('#account'), 'Not logged in.')
  t.deepEqual(await names(), ['keycard'])
  await page.goto(`${demo.origin}/csrf`)
  t.is(await text('#motto'), '(none yet)')

  t.log(`browser flow took ${Date.now() - started} ms (demo start, chromium launch and every step)`)
})

/** A Set-Cookie line as the inspector shows it: name, size of the value, attributes. */
function shown(line: string): { name: string; size: number; attributes: string } {
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim())
  const eq = pair.indexOf('=')
  return { name: pair.slice(0, eq), size: pair.length - eq - 1, attributes: attributes.join('; ') }
}

/** The rows of one of the inspector's cookie tables. */
async function panelRows(page: Page, table: string): Promise<{ name: string; size: number; attributes: string }[]> {
  const rows = page.locator(`${table} tr[data-name]`)
  const out = []
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i)
    out.push({
      name: (await row.getAttribute('data-name')) ?? '',
      size: Number(await row.getAttribute('data-size')),
      attributes: (await row.getAttribute('data-attributes')) ?? '',
    })
  }
  return out
}

/** Key id and nonce (hex) of a sealed session value (the first cookie's `<count>*` prefix removed). */
function sealedHeader(value: string): { kid: string; nonce: string } {
  const bytes = Buffer.from(value.slice(value.indexOf('*') + 1), 'base64url')
  const L = bytes[1] as number
  return { kid: bytes.subarray(2, 2 + L).toString('latin1'), nonce: bytes.subarray(4 + L, 16 + L).toString('hex') }
}

/** Clicks `selector`, which posts a form to `path`; resolves with that POST's response once the next page loaded. */
async function post(page: Page, selector: string, path: string) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    page.click(selector),
  ])
  await page.waitForLoadState()
  return response
}

test(t_('demo in chromium: the inspector, the tamper button, the store switch, chunking and the charts'), async (t) => {
  t.timeout(120_000)
  const demo = await startDemo(t)
  const browser = await chromium.launch({ executablePath })
  t.teardown(() => browser.close())
  const context = await browser.newContext()
  const page = await context.newPage()
  const cookie = async (name: string) => (await context.cookies(demo.origin)).find((c) => c.name === name)
  const names = async () => (await context.cookies(demo.origin)).map((c) => c.name).sort()
  const text = async (selector: string) => (await page.textContent(selector))?.trim()

  // The inspector shows exactly the Set-Cookie lines the browser received, and the anatomy of the
  // sealed value the browser now holds.
  const first = await page.goto(`${demo.origin}/`)
  const lines = (await first?.headerValues('set-cookie')) ?? []
  t.is(lines.length, 1)
  t.deepEqual(await panelRows(page, '#set-cookies'), lines.map(shown))
  t.is(await text('#panel-backend'), current)
  t.is(await text('#panel-store'), 'cookie')
  t.is(await text('#is-new'), 'yes')
  const sealed = (await cookie('keycard'))?.value ?? ''
  t.is(shown(lines[0] as string).size, sealed.length)
  const header = sealedHeader(sealed)
  t.is(await text('#set-anatomy [data-field=kid]'), header.kid)
  t.regex((await text('#set-anatomy [data-field=nonce]')) ?? '', new RegExp(`^${header.nonce} `))
  t.regex((await text('#set-anatomy [data-field=hint]')) ?? '', /\(matches keycard\/session\/keycard\)$/)
  t.like(JSON.parse((await text('#session-data')) ?? ''), { visits: 1 })
  t.regex(
    first?.headers()['server-timing'] ?? '',
    /^load;dur=[\d.]+;desc="session load", commit;dur=[\d.]+;desc="session commit"$/,
  )

  // A page that changes nothing: the browser's cookie, as sent, and no Set-Cookie.
  const quiet = await page.goto(`${demo.origin}/csrf`)
  t.deepEqual(await quiet?.headerValues('set-cookie'), [])
  t.is(await page.locator('#set-none').count(), 1)
  t.is(await text('#is-new'), 'no')
  t.deepEqual(await panelRows(page, '#sent-cookies'), [{ name: 'keycard', size: sealed.length, attributes: '' }])
  t.regex((await text('#sent-anatomy [data-field=nonce]')) ?? '', new RegExp(`^${header.nonce} `))
  await screenshot(page, 'inspector')

  // Tamper: the /tamper response hands back the same cookie with one character changed; the next
  // page shows keycard refusing it and a fresh session.
  await page.goto(`${demo.origin}/`)
  t.is(await text('#visits'), '2')
  const before = (await cookie('keycard'))?.value ?? ''
  const tamper = await post(page, '#tamper-form button', '/tamper')
  const tamperedLine = (await tamper.headerValues('set-cookie')).find((line) => line.startsWith('keycard='))
  const tampered = tamperedLine?.split(';')[0]?.slice('keycard='.length) ?? ''
  t.is(tampered.length, before.length)
  t.is([...tampered].filter((c, i) => c !== before[i]).length, 1)
  t.is(new URL(page.url()).pathname, '/')
  t.is(await text('#refused-code'), 'ERR_DECRYPT')
  t.is(await text('#is-new'), 'yes')
  t.is(await text('#visits'), '1')
  t.not((await cookie('keycard'))?.value, tampered)
  await screenshot(page, 'tampered')

  // Switch store: the session moves to the memory store (signed id cookie, same data), where a
  // tampered cookie is refused too; and back.
  await post(page, '#store-form button', '/store')
  t.is(await text('#panel-store'), 'memory')
  t.is(await text('.flash'), 'Your session moved to the memory store.')
  t.is(await text('#visits'), '2')
  t.deepEqual(await names(), ['demo-store', 'keycard-memory'])
  t.regex((await text('#sent-anatomy caption')) ?? '', /signed session id/)
  t.is(await text('#sent-anatomy [data-field=id]'), '43 characters (256 random bits)')
  await screenshot(page, 'memory-store')
  await post(page, '#tamper-form button', '/tamper')
  t.is(await text('#refused-code'), 'ERR_BAD_SIGNATURE')
  t.is(await text('#visits'), '1')
  await post(page, '#store-form button', '/store')
  t.is(await text('#panel-store'), 'cookie')
  t.is(await text('#visits'), '2')
  t.deepEqual(await names(), ['demo-store', 'keycard'])

  // The ~6 KB note: the page after saving shows the three chunk cookies the browser sent, and
  // what the POST's response set.
  await page.goto(`${demo.origin}/note`)
  await post(page, 'button[value=save]', '/note')
  const chunks = (await context.cookies(demo.origin)).filter((c) => SESSION_COOKIE.test(c.name))
  t.deepEqual(
    (await panelRows(page, '#sent-cookies')).filter((r) => SESSION_COOKIE.test(r.name)),
    chunks.map((c) => ({ name: c.name, size: c.value.length, attributes: '' })).sort((a, b) => a.name.localeCompare(b.name)),
  )
  t.is(chunks.length, 3)
  t.is(await text('#sent-chunks'), '3 cookies')
  t.regex(
    (await text('#previous')) ?? '',
    /^POST \/note answered 303, committed in \d+ µs, setting: keycard \(\d+ B\), keycard\.1 \(\d+ B\), keycard\.2 \(\d+ B\)$/,
  )
  await screenshot(page, 'chunks')

  // The benchmark page shows the committed charts, each loaded as an image.
  await page.goto(`${demo.origin}/bench`)
  const images = page.locator('figure.chart img')
  t.true((await images.count()) >= 1)
  for (let i = 0; i < (await images.count()); i++) {
    t.true(await images.nth(i).evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0))
  }
  await screenshot(page, 'bench')
})

/** Logs `name` in on `page`'s browser context. */
async function login(t: { is(a: unknown, b: unknown): void }, page: Page, origin: string, name: string, password: string) {
  await page.goto(`${origin}/login`)
  await page.fill('input[name=name]', name)
  await page.fill('input[name=password]', password)
  t.is((await post(page, 'form[action="/login"] button', '/login')).status(), 303)
  t.is((await page.textContent('#user'))?.trim(), name)
}

test(t_('demo in chromium: log out everywhere reaches the same user in other browsers'), async (t) => {
  t.timeout(120_000)
  const demo = await startDemo(t)
  const browser = await chromium.launch({ executablePath })
  t.teardown(() => browser.close())
  // Three browsers as far as cookies go: two with scripts on, one without (it learns on reload).
  const contexts: BrowserContext[] = [
    await browser.newContext(),
    await browser.newContext(),
    await browser.newContext({ javaScriptEnabled: false }),
  ]
  const [a, b, c] = await Promise.all(contexts.map((context) => context.newPage()))
  if (!a || !b || !c) throw new Error('three pages')
  const name = 'Grace Hopper'
  const password = 'a long enough password'
  await a.goto(`${demo.origin}/signup`)
  await a.fill('input[name=name]', name)
  await a.fill('input[name=password]', password)
  t.is((await post(a, 'form[action="/signup"] button', '/signup')).status(), 303)
  for (const page of [a, b, c]) await login(t, page, demo.origin, name, password)

  // Window A logs out everywhere: A itself is logged out at once...
  await post(a, '#revoke-form button', '/logout-everywhere')
  t.is((await a.textContent('#account'))?.trim(), 'Not logged in.')
  t.is((await a.textContent('.flash'))?.trim(), `Every session of ${name} is logged out, this one included.`)
  // ...B's page notices by itself (its script asks /status), the session refused as revoked...
  await b.locator('#live', { hasText: 'ERR_REVOKED' }).waitFor()
  t.regex((await b.textContent('#live')) ?? '', /^This session was refused \(ERR_REVOKED\)/)
  await screenshot(b, 'revoked-other-window')
  await b.reload()
  t.is((await b.textContent('#account'))?.trim(), 'Not logged in.')
  // ...and C, without scripts, on its next load, where the inspector shows the code.
  await c.reload()
  t.is((await c.textContent('#refused-code'))?.trim(), 'ERR_REVOKED')
  t.is((await c.textContent('#account'))?.trim(), 'Not logged in.')
  await screenshot(c, 'revoked-no-script')
  // Revocation ends the sessions that existed; logging in again works.
  await login(t, b, demo.origin, name, password)
})
