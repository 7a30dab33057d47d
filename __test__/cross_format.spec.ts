/**
 * Format separation (docs/FORMATS.md, "Format separation"): no output of a keycard function under
 * a keyring ever verifies as another format under the same keyring.
 *
 * The attack this guards against: cookie-signature tags are HMAC-SHA256 under the raw secret, and
 * about one in four (42 characters without '+' or '/', the last never either) is also valid
 * base64url. While HS256 tokens were keyed by the raw secret too, an app that cookie-signed an
 * attacker's `b64u(header).b64u(claims)` handed out a token with the attacker's claims, and a real
 * token passed `unsign(token, s, { format: 'cookie-signature' })`. Tokens now have their own key,
 * HKDF(secret, "keycard/v1/token"). Each test counts the forgery candidates (inputs whose tag has
 * the other format's alphabet and so reaches the HMAC comparison) to show the attack was really
 * tried: with the old key every candidate was a forgery (~27% of inputs); the forgery count must be 0.
 */
import test from 'ava'
import {
  createCsrfToken,
  Keyring,
  type SecretInput,
  seal,
  sign,
  signToken,
  unseal,
  unsign,
  verifyCsrfToken,
  verifyToken,
  verifyTokenOrThrow,
} from '../src/index'
import { both, on, SECRET, SECRET_2, t_ } from './helpers/backends'

/** Inputs per direction, per secret, per backend. */
const N = 2500
const NOW = Date.UTC(2030, 0, 1)
/** Far in the future: a forged token would pass every claim check. */
const EXP = 4_102_444_800
const b64u = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

/** The purposes a signed value might be made for, including some that name other formats. */
const PURPOSES = ['', 'session', 'token', 'csrf', 'access', '../token', 'keycard/v1/token', 'seal/session']

/** A single secret and a rotated keyring (the first key signs; tokens carry its kid). */
function secrets(): [string, SecretInput][] {
  return [
    ['secret', SECRET],
    ['keyring', new Keyring([SECRET, SECRET_2])],
  ]
}

const kidOf = (secret: SecretInput) => (secret instanceof Keyring ? secret : new Keyring(secret as string)).ids[0] as string

/** `b64u(header).b64u(claims)` an attacker would ask the app to cookie-sign: admin claims, valid for decades. */
function attackerBodies(secret: SecretInput): string[] {
  const kid = kidOf(secret)
  return Array.from({ length: N }, (_, i) => {
    const header = i % 2 === 0 ? `{"alg":"HS256","typ":"JWT","kid":"${kid}"}` : '{"alg":"HS256"}'
    return `${b64u(header)}.${b64u(`{"sub":"admin","role":"root","n":${i},"exp":${EXP}}`)}`
  })
}

/** What verifyTokenOrThrow says, or 'OK' for a token it accepts. */
function tokenOutcome(token: string, secret: SecretInput): string {
  try {
    verifyTokenOrThrow(token, secret, { now: NOW })
    return 'OK'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

test(t_('cross-format: cookie-signature tags of attacker-chosen header.claims never verify as tokens (both backends)'), (t) => {
  for (const be of both) {
    on(be, () => {
      for (const [name, secret] of secrets()) {
        let candidates = 0
        let forgeries = 0
        for (const body of attackerBodies(secret)) {
          const signed = sign(body, secret, { format: 'cookie-signature' })
          const tag = signed.slice(body.length + 1)
          if (/[+/]/.test(tag)) continue // not base64url: never a JWS signature
          candidates++
          const token = `${body}.${tag}`
          if (verifyToken(token, secret, { now: NOW }) !== null) forgeries++
          else if (tokenOutcome(token, secret) !== 'ERR_BAD_SIGNATURE')
            t.fail(`${be.name} ${name}: ${tokenOutcome(token, secret)}`)
        }
        t.is(forgeries, 0, `${be.name} ${name}: ${forgeries} of ${candidates} candidates forged a token`)
        t.true(candidates > N / 8, `${be.name} ${name}: only ${candidates} candidates`)
      }
    })
  }
})

test(
  t_('cross-format: real tokens never unsign as cookie-signature values nor as signed values of any purpose (both backends)'),
  (t) => {
    for (const be of both) {
      on(be, () => {
        for (const [name, secret] of secrets()) {
          let candidates = 0
          let forgeries = 0
          for (let i = 0; i < N; i++) {
            const token = signToken({ uid: i, role: 'user' }, secret, { now: NOW, purpose: i % 3 === 0 ? 'access' : undefined })
            const signature = token.slice(token.lastIndexOf('.') + 1)
            if (!/[-_]/.test(signature)) candidates++ // also standard base64: reaches the HMAC check
            if (unsign(token, secret, { format: 'cookie-signature' }) !== null) forgeries++
            for (const purpose of PURPOSES) if (unsign(token, secret, { purpose }) !== null) forgeries++
            if (unseal(token, secret) !== null) forgeries++
          }
          t.is(forgeries, 0, `${be.name} ${name}`)
          t.true(candidates > N / 8, `${be.name} ${name}: only ${candidates} candidates`)
        }
      })
    }
  },
)

test(
  t_('cross-format: signed values of attacker-chosen strings never verify as tokens, cookie-signature or another purpose'),
  (t) => {
    for (const be of both) {
      on(be, () => {
        for (const [name, secret] of secrets()) {
          let asCookieSignature = 0
          let forgeries = 0
          const bodies = attackerBodies(secret).slice(0, N / 5)
          for (const [p, purpose] of PURPOSES.entries()) {
            for (const body of bodies) {
              const signed = sign(body, secret, { purpose })
              // Shaped exactly like a token (three base64url segments): only the key differs.
              if (verifyToken(signed, secret, { now: NOW }) !== null) forgeries++
              if (!/[-_]/.test(signed.slice(body.length + 1))) asCookieSignature++
              if (unsign(signed, secret, { format: 'cookie-signature' }) !== null) forgeries++
              const other = PURPOSES[(p + 1) % PURPOSES.length] as string
              if (unsign(signed, secret, { purpose: other }) !== null) forgeries++
              if (unseal(signed, secret, { purpose }) !== null) forgeries++
            }
          }
          t.is(forgeries, 0, `${be.name} ${name}`)
          t.true(asCookieSignature > N / 8, `${be.name} ${name}: only ${asCookieSignature} cookie-signature candidates`)
          // And cookie-signature values never pass as keycard signed values of any purpose.
          for (const body of bodies) {
            const signed = sign(body, secret, { format: 'cookie-signature' })
            for (const purpose of PURPOSES) if (unsign(signed, secret, { purpose }) !== null) forgeries++
          }
          t.is(forgeries, 0, `${be.name} ${name}`)
        }
      })
    }
  },
)

test(
  t_('cross-format: CSRF tokens and sealed values never verify as another format, and other formats never make a CSRF token'),
  (t) => {
    for (const be of both) {
      on(be, () => {
        for (const [name, secret] of secrets()) {
          let forgeries = 0
          const n = N / 5
          for (let i = 0; i < n; i++) {
            const sid = `sid-${i}`
            const csrf = createCsrfToken(sid, secret)
            const nonce = csrf.slice(0, 22)
            // A CSRF token as a signed value, a cookie-signature value, a token or a sealed value.
            for (const purpose of PURPOSES) if (unsign(csrf, secret, { purpose }) !== null) forgeries++
            if (unsign(csrf, secret, { format: 'cookie-signature' }) !== null) forgeries++
            if (verifyToken(csrf, secret, { now: NOW }) !== null) forgeries++
            if (unseal(csrf, secret) !== null) forgeries++
            // The attacker has the app sign `nonce.sessionId` in another format and keeps the tag.
            for (const purpose of PURPOSES) {
              const tag = sign(`${nonce}.${sid}`, secret, { purpose }).slice(nonce.length + sid.length + 2)
              if (verifyCsrfToken(`${nonce}.${tag}`, sid, secret)) forgeries++
            }
            const cs = sign(`${nonce}.${sid}`, secret, { format: 'cookie-signature' }).slice(nonce.length + sid.length + 2)
            if (verifyCsrfToken(`${nonce}.${cs}`, sid, secret)) forgeries++

            // A sealed value (of a string shaped like a token body) in every other format.
            const sealed = seal(`${b64u('{"alg":"HS256"}')}.${b64u(`{"n":${i}}`)}`, secret, { purpose: 'session' })
            for (const purpose of PURPOSES) if (unsign(sealed, secret, { purpose }) !== null) forgeries++
            if (unsign(sealed, secret, { format: 'cookie-signature' }) !== null) forgeries++
            if (verifyToken(sealed, secret, { now: NOW }) !== null) forgeries++
            if (verifyCsrfToken(sealed, sid, secret)) forgeries++
            // Other purposes of the sealed format itself.
            if (unseal(sealed, secret, { purpose: 'token' }) !== null) forgeries++
          }
          t.is(forgeries, 0, `${be.name} ${name}`)
        }
      })
    }
  },
)
