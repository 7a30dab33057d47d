/**
 * examples/demo.mjs over plain HTTP (a fetch client with a cookie jar): it starts, says which
 * backend runs, keeps a session, refuses POSTs without a CSRF token and escapes what users type.
 * __test__/demo_browser.spec.ts drives the same demo in a real browser.
 */
import test from 'ava'
import { current, t_ } from './helpers/backends'
import { csrfOf, startDemo } from './helpers/demo'
import { Client } from './helpers/http'

/** The environment minus NODE_ENV and KEYCARD_SECRET, as a developer's shell would be. */
function plainEnv(): NodeJS.ProcessEnv {
  const { NODE_ENV: _node, KEYCARD_SECRET: _secret, ...env } = process.env
  return env
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
})

test(t_('examples: the demo serves its pages, counts visits and shows this backend'), async (t) => {
  const demo = await startDemo(t, plainEnv())
  t.regex(demo.stdout(), /^keycard demo on http:\/\/127\.0\.0\.1:\d+\n$/)
  const client = new Client(demo.origin)
  const first = await client.get<string>('/')
  t.is(first.status, 200)
  t.regex(first.body, new RegExp(`Backend: <b id="backend">${current}</b>`))
  t.regex(first.body, /<b id="visits">1<\/b>/)
  t.deepEqual(client.jar.names(), ['keycard'])
  t.regex((await client.get<string>('/')).body, /<b id="visits">2<\/b>/)
  for (const path of ['/signup', '/login', '/csrf', '/note']) t.is((await client.get(path)).status, 200, path)
  // No KEYCARD_SECRET: the insecure development key, with its warning; NODE_ENV defaults to development,
  // so the non-Secure cookie does not warn.
  t.regex(demo.stderr(), /KEYCARD_INSECURE_KEY/)
  t.notRegex(demo.stderr(), /KEYCARD_INSECURE_COOKIE/)
})

test(t_('examples: with KEYCARD_SECRET the demo uses it and does not warn'), async (t) => {
  const demo = await startDemo(t, { ...plainEnv(), KEYCARD_SECRET: 'demo-test-secret-0123456789abcdef-0123456789' })
  t.is((await new Client(demo.origin).get('/')).status, 200)
  t.notRegex(demo.stderr(), /KEYCARD_INSECURE/)
})

test(t_('examples: the demo refuses POSTs without a valid CSRF token and escapes user input'), async (t) => {
  const demo = await startDemo(t)
  const client = new Client(demo.origin)
  const token = csrfOf((await client.get<string>('/signup')).body)
  t.is((await client.request('/signup', form({ name: 'x', password: 'long enough' }))).status, 403)
  t.is((await client.request('/signup', form({ _csrf: `${token}x`, name: 'x', password: 'long enough' }))).status, 403)

  const name = `<img src=x onerror="alert('x')">&`
  const signup = await client.request('/signup', form({ _csrf: token, name, password: 'correct horse' }))
  t.is(signup.status, 303)
  t.is(signup.headers.get('location'), '/login')
  const loginPage = await client.get<string>('/login')
  t.true(loginPage.body.includes('Account created for &lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;'))
  t.false(loginPage.body.includes('<img'))
  const wrong = await client.request<string>('/login', form({ _csrf: csrfOf(loginPage.body), name, password: 'wrong pass' }))
  t.is(wrong.status, 401)
  const login = await client.request('/login', form({ _csrf: csrfOf(wrong.body), name, password: 'correct horse' }))
  t.is(login.status, 303)
  const home = await client.get<string>('/')
  t.regex(home.body, /<b id="user">&lt;img src=x onerror=&quot;alert\(&#39;x&#39;\)&quot;&gt;&amp;<\/b>/)
  t.false(home.body.includes('<img'))
})

test(t_('examples: a note too large for the cookie store is refused, and the session survives'), async (t) => {
  const demo = await startDemo(t)
  const client = new Client(demo.origin)
  t.regex((await client.get<string>('/')).body, /id="visits">1</)
  const token = csrfOf((await client.get<string>('/note')).body)
  // Over the demo's own limit.
  t.is((await client.request('/note', form({ _csrf: token, action: 'save', note: 'x'.repeat(7001) }))).status, 413)
  // Under it, but control characters grow sixfold in JSON: the store refuses it when the session is saved.
  const tooLarge = await client.request<string>('/note', form({ _csrf: token, action: 'save', note: '\u0001'.repeat(6000) }))
  t.is(tooLarge.status, 413)
  t.regex(tooLarge.body, /ERR_TOO_LARGE/)
  t.regex((await client.get<string>('/')).body, /id="visits">2</)
})
