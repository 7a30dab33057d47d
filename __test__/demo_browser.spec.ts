/**
 * examples/demo.mjs in a real browser: Debian's chromium driven by playwright-core. The demo runs
 * as a child process on the backend of this run (it inherits KEYCARD_BACKEND) and must say so.
 *
 * The browser is CHROMIUM_PATH, else `chromium` on PATH (`apt-get install chromium`). Without one
 * the test is skipped with a line saying how to install it (a failure in CI: helpers/requires.ts).
 */
import { chromium, type Page } from 'playwright-core'
import { current, t_ } from './helpers/backends'
import { startDemo } from './helpers/demo'
import { findProgram, requires } from './helpers/requires'

const executablePath = findProgram(process.env.CHROMIUM_PATH || 'chromium')
const test = requires('chromium', executablePath)
const SESSION_COOKIE = /^keycard(\.\d+)?$/

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
  t.regex((await text('body > div')) ?? '', /Not logged in\./)
  t.deepEqual(await names(), ['keycard'])
  await page.goto(`${demo.origin}/csrf`)
  t.is(await text('#motto'), '(none yet)')

  t.log(`browser flow took ${Date.now() - started} ms (demo start, chromium launch and every step)`)
})
