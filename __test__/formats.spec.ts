/**
 * keycard's own formats, byte for byte (docs/FORMATS.md). The expected strings in
 * vectors/keycard-formats.json were computed independently with Python's hmac/hashlib, so this
 * checks the specification, not just agreement between the backends.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { Keyring, sign, signToken, tokenKey, unseal, unsign, verifyCsrfToken, verifyToken } from '../src/index'
import { sealWithNonce } from '../src/seal'
import { both, on, t_ } from './helpers/backends'

const v = JSON.parse(readFileSync(join(__dirname, 'vectors', 'keycard-formats.json'), 'utf8'))
const secret: string = v.secretUtf8

test(t_('formats: key id, signed values, cookie-signature, token and CSRF match the spec on both backends'), (t) => {
  for (const be of both) {
    on(be, () => {
      t.is(new Keyring(secret).ids[0], v.keyId, `${be.name} key id`)
      for (const s of v.signed) {
        const options = s.purpose === undefined ? {} : { purpose: s.purpose }
        t.is(sign(s.value, secret, options), s.expected, `${be.name} signed ${s.purpose}`)
        t.is(unsign(s.expected, secret, options), s.value)
      }
      t.is(sign(v.cookieSignature.value, secret, { format: 'cookie-signature' }), v.cookieSignature.expected)
      // Tokens are keyed by HKDF(secret, "keycard/v1/token"), not by the secret as given.
      t.is(Buffer.from(new Keyring(secret).tokenKey()).toString('hex'), v.token.keyHex, `${be.name} token key`)
      t.is(Buffer.from(tokenKey(secret)).toString('hex'), v.token.keyHex)
      t.is(signToken(v.token.payload, secret, v.token.options), v.token.expected, `${be.name} token`)
      const claims = verifyToken(v.token.expected, secret, { audience: 'api', purpose: 'access', now: v.token.options.now })
      t.deepEqual(claims, { uid: 42, iat: 1700000000, exp: 1700000900, aud: 'api', pur: 'access' })
      t.true(verifyCsrfToken(v.csrf.expected, v.csrf.sessionId, secret), `${be.name} csrf`)
      t.true(v.csrf.expected.startsWith(`${v.csrf.nonceB64}.`))
    })
  }
})

test(t_('formats: sealed values match the spec byte for byte on both backends (injected nonce)'), (t) => {
  const { purpose, nonceHex, cases } = v.sealed
  const now = 1700000000000
  const options: Record<string, object> = {
    json: { purpose, now, ttl: '1h' },
    text: { purpose, now, ttl: 0 },
    bytes: { purpose, now, ttl: '1h', notBefore: '1m' },
  }
  for (const be of both) {
    on(be, () => {
      for (const c of cases) {
        const data = c.kind === 'bytes' ? Buffer.from(c.data, 'hex') : c.data
        const sealed = sealWithNonce(data, secret, options[c.kind] as object, Buffer.from(nonceHex, 'hex'))
        t.is(sealed, c.expected, `${be.name} ${c.kind}`)
        const opened = unseal(c.expected, secret, { purpose, now: now + 120_000 })
        t.deepEqual(
          c.kind === 'bytes' ? Buffer.from(opened as Uint8Array).toString('hex') : opened,
          c.data,
          `${be.name} ${c.kind}`,
        )
      }
    })
  }
})
