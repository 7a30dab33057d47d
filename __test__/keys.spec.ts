import test from 'ava'
import { KeyError, Keyring, sign, unsign } from '../src/index'
import { defaultKeyring, resolveKeyring } from '../src/keys'
import { both, fallback, native, on, SECRET, SECRET_2, SECRET_BYTES, t_ } from './helpers/backends'

/** Runs `fn` with env vars replaced, restoring them afterwards (tests here are synchronous). */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    return fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

const NO_DEFAULTS = { KEYCARD_SECRET: undefined, KEYCARD_ALLOW_INSECURE_KEY: undefined, NODE_ENV: undefined }

test(t_('keys: secrets under 32 bytes are refused, 32 bytes accepted'), (t) => {
  t.throws(() => new Keyring('x'.repeat(31)), { code: 'ERR_KEY_TOO_SHORT', instanceOf: KeyError })
  t.throws(() => new Keyring(new Uint8Array(31)), { code: 'ERR_KEY_TOO_SHORT' })
  // Length counts UTF-8 bytes: 16 two-byte characters are 32 bytes.
  t.notThrows(() => new Keyring('é'.repeat(16)))
  t.notThrows(() => new Keyring('x'.repeat(32)))
  t.throws(() => new Keyring([SECRET, 'short']), { code: 'ERR_KEY_TOO_SHORT' })
  t.throws(() => new Keyring([]), { code: 'ERR_NO_SECRET' })
  t.throws(() => new Keyring(42 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('keys: key ids are derived from the secret, stable and equal on both backends'), (t) => {
  const a = new Keyring([SECRET, SECRET_2])
  t.is(a.ids.length, 2)
  for (const id of a.ids) t.regex(id, /^[A-Za-z0-9_-]{8}$/)
  t.not(a.ids[0], a.ids[1])
  t.deepEqual(new Keyring([SECRET, SECRET_2]).ids, a.ids)
  t.is(native.keyId(Buffer.from(SECRET)), fallback.keyId(Buffer.from(SECRET)))
  t.deepEqual(
    on(native, () => new Keyring(SECRET_BYTES).ids),
    on(fallback, () => new Keyring(SECRET_BYTES).ids),
  )
  t.true(Object.isFrozen(a.ids))
})

test(t_('keys: explicit ids, lookup, and invalid or duplicate ids'), (t) => {
  const keyring = new Keyring([
    { id: 'current', secret: SECRET },
    { id: 'previous', secret: SECRET_2 },
  ])
  t.deepEqual([...keyring.ids], ['current', 'previous'])
  t.is(keyring.indexOf('previous'), 1)
  t.is(keyring.indexOf('nope'), -1)
  t.throws(() => new Keyring([{ id: '../etc/passwd', secret: SECRET }]), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => new Keyring([{ id: '', secret: SECRET }]), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(
    () =>
      new Keyring([
        { id: 'same', secret: SECRET },
        { id: 'same', secret: SECRET_2 },
      ]),
    { code: 'ERR_INVALID_ARGUMENT' },
  )
})

test(t_('keys: derived per purpose, so one secret never signs two purposes with the same bytes'), (t) => {
  for (const be of both) {
    const a = be.createMacKeys([Buffer.from(SECRET)], 'keycard/v1/sign/a', false)
    const b = be.createMacKeys([Buffer.from(SECRET)], 'keycard/v1/sign/b', false)
    const raw = be.createMacKeys([Buffer.from(SECRET)], null, false)
    const tags = new Set([a.tag('m'), b.tag('m'), raw.tag('m')])
    t.is(tags.size, 3, be.name)
    // The derived key is HKDF-SHA256(secret, no salt, info) and nothing else.
    const derived = be.hkdfSha256(Buffer.from(SECRET), new Uint8Array(0), Buffer.from('keycard/v1/sign/a'), 32)
    t.is(a.tag('m'), be.createMacKeys([derived], null, false).tag('m'), be.name)
  }
})

test(t_('keys: resolveKeyring caches by value for strings and notices mutated bytes'), (t) => {
  t.is(resolveKeyring(SECRET), resolveKeyring(`${SECRET}`))
  const bytes = Buffer.from(SECRET_BYTES)
  const first = resolveKeyring(bytes)
  t.is(resolveKeyring(bytes), first)
  bytes[5] = (bytes[5] as number) ^ 1
  t.not(resolveKeyring(bytes), first)
  const list = [SECRET, SECRET_2]
  const ring = resolveKeyring(list)
  t.is(resolveKeyring(list), ring)
  list.reverse()
  t.is(resolveKeyring(list).ids[0], ring.ids[1])
})

test(t_('keys: KEYCARD_SECRET is the default, comma-separated for rotation'), (t) => {
  withEnv({ ...NO_DEFAULTS, KEYCARD_SECRET: `${SECRET},${SECRET_2}` }, () => {
    t.deepEqual(defaultKeyring().ids, new Keyring([SECRET, SECRET_2]).ids)
    t.is(sign('v', undefined), sign('v', SECRET))
    t.is(unsign(sign('v', SECRET_2), undefined), 'v')
  })
  withEnv({ ...NO_DEFAULTS, KEYCARD_SECRET: 'too-short' }, () => {
    t.throws(() => sign('v', undefined), { code: 'ERR_KEY_TOO_SHORT' })
  })
})

test(t_('keys: no secret is ERR_NO_SECRET unless the insecure dev key is opted into'), (t) => {
  withEnv(NO_DEFAULTS, () => {
    t.throws(() => sign('v', undefined), { code: 'ERR_NO_SECRET' })
    t.throws(() => sign('v', null as unknown as string), { code: 'ERR_NO_SECRET' })
  })
})

test.serial(t_('keys: the insecure dev key needs an opt-in, warns loudly once, and is refused in production'), async (t) => {
  const warnings: Error[] = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const byOption = withEnv(NO_DEFAULTS, () => sign('v', undefined, { allowInsecureKey: true }))
    t.is(unsign(byOption, undefined, { allowInsecureKey: true }), 'v')
    const byEnv = withEnv({ ...NO_DEFAULTS, KEYCARD_ALLOW_INSECURE_KEY: '1' }, () => sign('v', undefined))
    t.is(byEnv, byOption, 'one random key per process')
    t.not(byOption, sign('v', SECRET))
    await new Promise((resolve) => setImmediate(resolve))
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'KEYCARD_INSECURE_KEY')
    t.is(ours.length, 1)
    t.regex(ours[0]?.message ?? '', /INSECURE/)
    withEnv({ ...NO_DEFAULTS, NODE_ENV: 'production' }, () => {
      t.throws(() => sign('v', undefined, { allowInsecureKey: true }), { code: 'ERR_NO_SECRET', message: /production/ })
    })
    withEnv({ ...NO_DEFAULTS, KEYCARD_ALLOW_INSECURE_KEY: 'true' }, () => {
      t.throws(() => sign('v', undefined), { code: 'ERR_NO_SECRET' }, "only '1' opts in")
    })
  } finally {
    process.off('warning', onWarning)
  }
})
