import test from 'ava'
import { ParameterError } from '../src/errors'
import {
  type CookieAttributes,
  checkCookieRules,
  MAX_COOKIE_BYTES,
  parseCookies,
  type SameSite,
  serializeCookie,
} from '../src/sessions/cookies'
import { t_ } from './helpers/backends'

/** 2024-01-01T00:00:00Z, a Monday. */
const NOW = Date.UTC(2024, 0, 1)
const HOST = { path: '/', secure: true } satisfies CookieAttributes

/** The hostile characters of docs/SECURITY.md item 15, '=' aside (it is a legal value and path octet). */
const HOSTILE: Record<string, string> = {
  semicolon: ';',
  comma: ',',
  space: ' ',
  'double quote': '"',
  backslash: '\\',
  CR: '\r',
  LF: '\n',
  'CR/LF': '\r\n',
  NUL: '\0',
  DEL: '\x7f',
  HTAB: '\t',
  'é (U+00E9)': 'é',
  'U+2000 EN QUAD': '\u2000',
  'U+00A0 NBSP': '\u00a0',
  'U+0085 NEL': '\u0085',
}

const only =
  (...names: string[]) =>
  (name: string) =>
    names.includes(name)
const everything = () => true

for (const [field, place] of [
  ['name', (c: string) => serializeCookie(`a${c}b`, 'v', {})],
  ['value', (c: string) => serializeCookie('a', `v${c}w`, {})],
  ['path', (c: string) => serializeCookie('a', 'v', { path: `/p${c}q` })],
  ['domain', (c: string) => serializeCookie('a', 'v', { domain: `exa${c}mple.com` })],
] as const) {
  test(t_(`cookies: refuses hostile characters in ${field} (docs/SECURITY.md item 15)`), (t) => {
    for (const [label, c] of Object.entries(HOSTILE)) {
      t.throws(() => place(c), { code: 'ERR_INVALID_ARGUMENT', instanceOf: ParameterError }, label)
    }
    // At the edges too, where trimming code would look.
    for (const c of ['\r\n', ';', ' ', '\u2000']) {
      if (field === 'name') t.throws(() => serializeCookie(`${c}a`, 'v', {}), { code: 'ERR_INVALID_ARGUMENT' })
      if (field === 'value') t.throws(() => serializeCookie('a', `v${c}`, {}), { code: 'ERR_INVALID_ARGUMENT' })
      if (field === 'path') t.throws(() => serializeCookie('a', 'v', { path: `/p${c}` }), { code: 'ERR_INVALID_ARGUMENT' })
      if (field === 'domain') t.throws(() => serializeCookie('a', 'v', { domain: `a.com${c}` }), { code: 'ERR_INVALID_ARGUMENT' })
    }
  })
}

test(t_('cookies: refuses CR/LF in value'), (t) => {
  t.throws(() => serializeCookie('sid', 'x\r\nSet-Cookie: admin=1', {}), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('sid', 'x\nSet-Cookie: admin=1', {}), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('cookies: refuses attribute injection through value, path and domain'), (t) => {
  t.throws(() => serializeCookie('sid', 'x; Domain=evil.com', {}), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('sid', 'x', { path: '/; Domain=evil.com' }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('sid', 'x', { domain: 'good.com; Secure' }), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_("cookies: '=' is refused in a name and a domain, allowed in a value and a path"), (t) => {
  t.throws(() => serializeCookie('a=b', 'v', {}), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('a', 'v', { domain: 'a=b.com' }), { code: 'ERR_INVALID_ARGUMENT' })
  t.is(serializeCookie('a', 'b=c==', { path: '/x=y' }), 'a=b=c==; Path=/x=y')
})

test(t_('cookies: no code unit in any field gets CR, LF, NUL, DEL or non-ASCII into the output'), (t) => {
  let accepted = 0
  for (let code = 0; code <= 0xffff; code++) {
    const c = String.fromCharCode(code)
    for (const make of [
      () => serializeCookie(`n${c}`, 'v', {}),
      () => serializeCookie('n', `v${c}`, {}),
      () => serializeCookie('n', 'v', { path: `/${c}` }),
      () => serializeCookie('n', 'v', { domain: `a${c}.com` }),
    ]) {
      let out: string
      try {
        out = make()
      } catch {
        continue
      }
      accepted++
      if (!/^[\x20-\x7e]+$/.test(out)) t.fail(`U+${code.toString(16).padStart(4, '0')} got through: ${JSON.stringify(out)}`)
    }
  }
  // 77 name tchars + 90 cookie-octets + 90 path characters + 62 letters and digits ending a label.
  t.is(accepted, 77 + 90 + 90 + 62)
})

test(t_('cookies: refuses an empty name, and names or values that are not strings'), (t) => {
  t.throws(() => serializeCookie('', 'v', {}), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie(1 as unknown as string, 'v', {}), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('a', undefined as unknown as string, {}), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('a', 'v', null as unknown as CookieAttributes), { code: 'ERR_INVALID_ARGUMENT' })
  t.is(serializeCookie('a', '', {}), 'a=')
})

test(t_('cookies: name + value of 4096 bytes is fine, 4097 is ERR_TOO_LARGE (never truncated)'), (t) => {
  t.is(MAX_COOKIE_BYTES, 4096)
  const ok = serializeCookie('a', 'v'.repeat(4095), {})
  t.is(ok.length, 4097)
  t.throws(() => serializeCookie('a', 'v'.repeat(4096), {}), { code: 'ERR_TOO_LARGE' })
  t.throws(() => serializeCookie('n'.repeat(2049), 'v'.repeat(2048), {}), { code: 'ERR_TOO_LARGE' })
  t.notThrows(() => serializeCookie('n'.repeat(2048), 'v'.repeat(2048), {}))
})

test(t_('cookies: attributes come out in a fixed order'), (t) => {
  // Keys deliberately in another order than the output.
  const attributes: CookieAttributes = {
    partitioned: true,
    sameSite: 'none',
    secure: true,
    httpOnly: true,
    maxAge: 60,
    path: '/app',
    domain: 'Example.COM',
  }
  t.is(
    serializeCookie('sid', 'abc', attributes, NOW),
    'sid=abc; Domain=example.com; Path=/app; Expires=Mon, 01 Jan 2024 00:01:00 GMT; Max-Age=60; HttpOnly; Secure; SameSite=None; Partitioned',
  )
  t.is(serializeCookie('sid', 'abc', { httpOnly: false, secure: false, partitioned: false }), 'sid=abc')
})

test(t_('cookies: Max-Age is whole seconds and Expires follows from now'), (t) => {
  t.is(serializeCookie('a', 'b', { maxAge: 3600 }, NOW), 'a=b; Expires=Mon, 01 Jan 2024 01:00:00 GMT; Max-Age=3600')
  t.is(serializeCookie('a', 'b', { maxAge: 86400 * 400 }, NOW), 'a=b; Expires=Tue, 04 Feb 2025 00:00:00 GMT; Max-Age=34560000')
  // Without `now`, Expires tracks the clock.
  const before = Date.now()
  const match = /Expires=([^;]+); Max-Age=10$/.exec(serializeCookie('a', 'b', { maxAge: 10 }))
  t.truthy(match)
  const expires = Date.parse(match![1]!)
  t.true(expires >= Math.floor(before / 1000) * 1000 + 10_000 && expires <= Date.now() + 10_000)
})

test(t_('cookies: maxAge 0 clears the cookie with an Expires at the epoch'), (t) => {
  t.is(serializeCookie('a', '', { maxAge: 0 }, NOW), 'a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0')
})

test(t_('cookies: refuses a maxAge that is not whole seconds >= 0, and a bad now'), (t) => {
  for (const maxAge of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '60', null]) {
    t.throws(() => serializeCookie('a', 'b', { maxAge: maxAge as number }, NOW), { code: 'ERR_INVALID_ARGUMENT' }, String(maxAge))
  }
  // Past year 9999 Expires is no longer an IMF-fixdate.
  t.throws(() => serializeCookie('a', 'b', { maxAge: 300_000_000_000 }, NOW), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('a', 'b', { maxAge: 1 }, Number.NaN), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => serializeCookie('a', 'b', { maxAge: 1 }, '0' as unknown as number), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('cookies: domain is an LDH host name, emitted lowercase'), (t) => {
  t.is(serializeCookie('a', 'b', { domain: 'Sub.Example-1.COM' }), 'a=b; Domain=sub.example-1.com')
  t.is(serializeCookie('a', 'b', { domain: '.example.com' }), 'a=b; Domain=.example.com')
  t.is(serializeCookie('a', 'b', { domain: 'localhost' }), 'a=b; Domain=localhost')
  // 253 characters is the longest host name; one more is refused below.
  t.notThrows(() => serializeCookie('a', 'b', { domain: `${'abcdefghi.'.repeat(25)}com` }))
  const bad = ['', '.', '..example.com', 'a..b', '-a.com', 'a-.com', 'exa_mple.com', 'example.com.', `${'x'.repeat(64)}.com`]
  for (const domain of [...bad, `${'abcdefghi.'.repeat(25)}comm`, 'ex\u212Aample.com', 'ex/ample.com', 'a:80']) {
    t.throws(() => serializeCookie('a', 'b', { domain }), { code: 'ERR_INVALID_ARGUMENT' }, JSON.stringify(domain))
  }
  t.throws(() => serializeCookie('a', 'b', { domain: 1 as unknown as string }), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_("cookies: path starts with '/' and has at most 1024 characters"), (t) => {
  t.is(serializeCookie('a', 'b', { path: '/' }), 'a=b; Path=/')
  t.is(serializeCookie('a', 'b', { path: `/${'p'.repeat(1023)}` }).length, 'a=b; Path=/'.length + 1023)
  for (const path of ['', 'app', 'x/', `/${'p'.repeat(1024)}`]) {
    t.throws(() => serializeCookie('a', 'b', { path }), { code: 'ERR_INVALID_ARGUMENT' }, path.slice(0, 10))
  }
})

test(t_("cookies: sameSite is 'strict', 'lax' or 'none' in any case, nothing else"), (t) => {
  t.is(serializeCookie('a', 'b', { sameSite: 'Lax' as SameSite }), 'a=b; SameSite=Lax')
  t.is(serializeCookie('a', 'b', { sameSite: 'STRICT' as SameSite }), 'a=b; SameSite=Strict')
  t.is(serializeCookie('a', 'b', { sameSite: 'nOnE' as SameSite, secure: true }), 'a=b; Secure; SameSite=None')
  for (const sameSite of ['lax; Domain=evil', 'lax ', ' lax', 'laxx', '', 'lax\r\n', null, 1]) {
    t.throws(
      () => serializeCookie('a', 'b', { sameSite: sameSite as SameSite }),
      { code: 'ERR_INVALID_ARGUMENT' },
      String(sameSite),
    )
  }
})

test(t_('cookies: flags must be booleans'), (t) => {
  for (const key of ['httpOnly', 'secure', 'partitioned'] as const) {
    for (const value of ['true', 'false', 1, null]) {
      t.throws(() => serializeCookie('a', 'b', { secure: true, [key]: value }), { code: 'ERR_INVALID_ARGUMENT' }, key)
    }
  }
})

test(t_('cookies: __Host- needs Secure, Path=/ and no Domain'), (t) => {
  t.is(serializeCookie('__Host-sid', 'x', HOST), '__Host-sid=x; Path=/; Secure')
  const broken: Record<string, CookieAttributes> = {
    'with Domain': { ...HOST, domain: 'example.com' },
    'with Path=/x': { ...HOST, path: '/x' },
    'without Path': { secure: true },
    'without Secure': { path: '/' },
    'with secure: false': { path: '/', secure: false },
  }
  for (const [label, attributes] of Object.entries(broken)) {
    t.throws(() => serializeCookie('__Host-sid', 'x', attributes), { code: 'ERR_BAD_CONFIG' }, label)
    t.throws(() => checkCookieRules('__Host-sid', attributes), { code: 'ERR_BAD_CONFIG' }, label)
  }
})

test(t_('cookies: __Secure- needs Secure'), (t) => {
  t.is(
    serializeCookie('__Secure-sid', 'x', { secure: true, domain: 'example.com' }),
    '__Secure-sid=x; Domain=example.com; Secure',
  )
  t.throws(() => serializeCookie('__Secure-sid', 'x', { path: '/' }), { code: 'ERR_BAD_CONFIG' })
  t.throws(() => checkCookieRules('__Secure-sid', {}), { code: 'ERR_BAD_CONFIG' })
})

test(t_('cookies: prefixes in another case are refused even with valid attributes'), (t) => {
  for (const name of ['__host-sid', '__HOST-sid', '__hOsT-sid', '__secure-sid', '__SECURE-sid', '__secure-']) {
    t.throws(() => serializeCookie(name, 'x', HOST), { code: 'ERR_BAD_CONFIG' }, name)
    t.throws(() => checkCookieRules(name, HOST), { code: 'ERR_BAD_CONFIG' }, name)
  }
  // Not prefixes at all: no rule applies.
  for (const name of ['_Host-sid', 'x__Host-sid', '__Hostsid', 'Host-sid', '__Secure']) {
    t.notThrows(() => checkCookieRules(name, {}), name)
  }
})

test(t_('cookies: SameSite=None and Partitioned need Secure'), (t) => {
  t.throws(() => serializeCookie('a', 'b', { sameSite: 'none' }), { code: 'ERR_BAD_CONFIG' })
  t.throws(() => serializeCookie('a', 'b', { sameSite: 'None' as SameSite }), { code: 'ERR_BAD_CONFIG' })
  t.throws(() => serializeCookie('a', 'b', { partitioned: true }), { code: 'ERR_BAD_CONFIG' })
  t.throws(() => checkCookieRules('a', { sameSite: 'NONE' as SameSite }), { code: 'ERR_BAD_CONFIG' })
  t.throws(() => checkCookieRules('a', { partitioned: true, secure: false }), { code: 'ERR_BAD_CONFIG' })
  t.is(serializeCookie('a', 'b', { partitioned: true, secure: true }), 'a=b; Secure; Partitioned')
  t.notThrows(() => checkCookieRules('a', { sameSite: 'lax' }))
})

test(t_('cookies: checkCookieRules refuses arguments of the wrong type'), (t) => {
  t.throws(() => checkCookieRules(undefined as unknown as string, {}), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => checkCookieRules('a', undefined as unknown as CookieAttributes), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('cookies: parse keeps the first of duplicate names'), (t) => {
  const jar = parseCookies('sid=first; other=1; sid=second', only('sid'))
  t.is(jar.get('sid'), 'first')
  t.is(jar.size, 1)
  t.is(parseCookies(['sid=first', 'sid=second'], only('sid')).get('sid'), 'first')
})

test(t_('cookies: parse keeps names that differ only by case apart'), (t) => {
  const header = '__host-session=evil; __HOST-SESSION=evil2; __Host-session=good; SID=x'
  t.deepEqual([...parseCookies(header, only('__Host-session', 'sid'))], [['__Host-session', 'good']])
  const all = parseCookies(header, everything)
  t.is(all.get('__host-session'), 'evil')
  t.is(all.get('__HOST-SESSION'), 'evil2')
  t.is(all.get('__Host-session'), 'good')
})

test(t_('cookies: parse trims only SP and HTAB, so leading Unicode whitespace makes another name'), (t) => {
  for (const space of ['\u2000', '\u00a0', '\u0085', '\ufeff', '\u3000', '\v', '\f', '\r', '\n']) {
    const label = `U+${space.charCodeAt(0).toString(16)}`
    const spoof = `${space}__Host-session=evil`
    t.is(parseCookies(spoof, only('__Host-session')).size, 0, label)
    t.is(parseCookies(`${spoof}; __Host-session=good`, only('__Host-session')).get('__Host-session'), 'good', label)
    t.is(parseCookies(spoof, everything).get(`${space}__Host-session`), 'evil', label)
  }
  t.is(parseCookies(' \t__Host-session \t= \tgood \t;x=1', only('__Host-session')).get('__Host-session'), 'good')
})

test(t_('cookies: parse ignores a header over 64 KiB entirely'), (t) => {
  let calls = 0
  const counting = (name: string) => {
    calls++
    return name === 'sid'
  }
  const big = `sid=good; ${'x=y; '.repeat(20_000)}` // 100 KB
  t.true(big.length > 100_000)
  t.is(parseCookies(big, counting).size, 0)
  t.is(calls, 0)
  // The limit is on the total of a repeated header too.
  t.is(parseCookies(['sid=good', 'x'.repeat(64 * 1024)], counting).size, 0)
  // 64 KiB exactly still parses.
  const edge = `sid=good; pad=${'p'.repeat(64 * 1024 - 'sid=good; pad='.length)}`
  t.is(edge.length, 64 * 1024)
  t.is(parseCookies(edge, counting).get('sid'), 'good')
  t.is(parseCookies(`${edge}p`, counting).size, 0)
})

test(t_('cookies: parse handles pathological headers of 64 KiB (linear, no backtracking)'), (t) => {
  const n = 64 * 1024
  for (const header of [
    ';'.repeat(n),
    '='.repeat(n),
    ' '.repeat(n),
    '"'.repeat(n),
    'a'.repeat(n),
    `${'a;'.repeat(n / 2 - 2)}b=1`,
    `${' '.repeat(n / 2)}x${' '.repeat(n / 2 - 3)}=1`,
    `a=${' \t'.repeat(n / 2 - 2)}v`,
  ]) {
    t.true(header.length <= n)
    const jar = parseCookies(header, everything)
    t.true(jar.size <= 1)
  }
  t.is(parseCookies(`${'a;'.repeat(n / 2 - 2)}b=1`, everything).get('b'), '1')
  t.is(parseCookies('='.repeat(n), everything).size, 0)
  t.is(parseCookies(`a=${' \t'.repeat(n / 2 - 2)}v`, everything).get('a'), 'v')
})

test(t_('cookies: parse keeps only the names the caller accepts'), (t) => {
  const seen: string[] = []
  const jar = parseCookies('a=1; b=2; c=3; b=4', (name) => {
    seen.push(name)
    return name === 'b'
  })
  t.deepEqual([...jar], [['b', '2']])
  // Once a name is kept, later duplicates are not offered again.
  t.deepEqual(seen, ['a', 'b', 'c'])
})

test(t_('cookies: parse treats $Version=1 syntax as plain names'), (t) => {
  const header = '$Version=1; __Host-session="good"; $Path=/; $Domain=example.com'
  const seen: string[] = []
  const jar = parseCookies(header, (name) => {
    seen.push(name)
    return name === '__Host-session'
  })
  t.deepEqual([...jar], [['__Host-session', 'good']])
  t.deepEqual(seen, ['$Version', '__Host-session', '$Path', '$Domain'])
  // A legacy attribute never overrides or prefixes the cookie before it.
  t.deepEqual(
    [...parseCookies('$Version=1; sid=a; $Path=/', only('sid', 'Path', '$Path'))],
    [
      ['sid', 'a'],
      ['$Path', '/'],
    ],
  )
})

test(t_('cookies: parse strips one pair of surrounding double quotes'), (t) => {
  const cases: Record<string, string> = {
    'a="b"': 'b',
    'a=""': '',
    'a="': '"',
    'a="b': '"b',
    'a=b"': 'b"',
    'a=""b""': '"b"',
    'a= "b" ': 'b',
    'a="b c"': 'b c',
  }
  for (const [header, value] of Object.entries(cases)) t.is(parseCookies(header, only('a')).get('a'), value, header)
})

test(t_('cookies: parse keeps empty values and values with =, without decoding'), (t) => {
  const jar = parseCookies('a=; b= ; c=x=y==; d=%41%20; e', everything)
  t.deepEqual(Object.fromEntries(jar), { a: '', b: '', c: 'x=y==', d: '%41%20' })
})

test(t_("cookies: parse skips pairs without '=' or with an empty name"), (t) => {
  const seen: string[] = []
  const jar = parseCookies('a; =x; b=1;; c ; =; d=2', (name) => {
    seen.push(name)
    return true
  })
  t.deepEqual(Object.fromEntries(jar), { b: '1', d: '2' })
  t.deepEqual(seen, ['b', 'd'])
  t.is(parseCookies('sid', everything).size, 0)
  t.is(parseCookies('', everything).size, 0)
})

test(t_('cookies: parse reads a repeated header given as an array, in order'), (t) => {
  const jar = parseCookies(['a=1; b=2', 'b=3; c=4', ''], everything)
  t.deepEqual(
    [...jar],
    [
      ['a', '1'],
      ['b', '2'],
      ['c', '4'],
    ],
  )
  t.is(parseCookies([], everything).size, 0)
  t.is(parseCookies(undefined, everything).size, 0)
  // The pieces are separate headers: a pair never spans two of them.
  t.deepEqual(Object.fromEntries(parseCookies(['a', '=1'], everything)), {})
})

test(t_('cookies: parse stores __proto__ as an ordinary name'), (t) => {
  const jar = parseCookies('__proto__=x; constructor=y', everything)
  t.is(jar.get('__proto__'), 'x')
  t.is(jar.get('constructor'), 'y')
  t.is(Object.getPrototypeOf(jar), Map.prototype)
})

test(t_('cookies: parse refuses arguments of the wrong type'), (t) => {
  t.throws(() => parseCookies('a=1', undefined as unknown as () => boolean), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => parseCookies(42 as unknown as string, everything), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => parseCookies(['a=1', 1] as unknown as string[], everything), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('cookies: every cookie-octet and every token character round-trips through serialize and parse'), (t) => {
  const octets: string[] = []
  const tchars: string[] = []
  for (let code = 0; code < 128; code++) {
    const c = String.fromCharCode(code)
    if (code >= 0x21 && code <= 0x7e && !'",;\\'.includes(c)) octets.push(c)
    if (code > 0x20 && code < 0x7f && !'()<>@,;:\\"/[]?={}'.includes(c)) tchars.push(c)
  }
  t.is(octets.length, 90)
  t.is(tchars.length, 77)
  const roundTrip = (name: string, value: string) => {
    const header = serializeCookie(name, value, { path: '/', httpOnly: true, secure: true, sameSite: 'strict', maxAge: 5 }, NOW)
    // What a browser sends back: the pair before the first attribute.
    return parseCookies(header.slice(0, header.indexOf('; ')), everything).get(name)
  }
  for (const c of octets) t.is(roundTrip('v', `${c}`), c, `octet ${JSON.stringify(c)}`)
  t.is(roundTrip('v', octets.join('')), octets.join(''))
  for (const c of tchars) t.is(roundTrip(`n${c}`, 'v'), 'v', `tchar ${JSON.stringify(c)}`)
  t.is(roundTrip(tchars.join(''), 'v'), 'v')
})
