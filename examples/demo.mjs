// keycard demo: which backend runs, a signed cookie value, a token, a CSRF token.
// Run with `npm run demo` (builds what is missing first). Try KEYCARD_BACKEND=fallback npm run demo.
import {
  backend,
  createCsrfToken,
  hashPassword,
  Keyring,
  randomId,
  seal,
  sealedLength,
  sign,
  signToken,
  unseal,
  unsign,
  verifyCsrfToken,
  verifyPassword,
  verifyToken,
} from 'keycard'

// A real app reads its secret from the environment; the demo makes one up if none is set.
const secret = process.env.KEYCARD_SECRET ?? randomId(32)
const keys = new Keyring(secret)

const info = backend()
console.log(`keycard backend: ${info.name} (${info.reason}), version ${info.version}\n`)

const cookie = sign('user-42', keys, { purpose: 'uid' })
console.log('signed cookie value  ', cookie)
console.log('unsign (right cookie)', unsign(cookie, keys, { purpose: 'uid' }))
console.log('unsign (other cookie)', unsign(cookie, keys, { purpose: 'cart' }))
console.log('unsign (tampered)    ', unsign(cookie.replace('42', '43'), keys, { purpose: 'uid' }))

const token = signToken({ uid: 42, role: 'admin' }, keys, { expiresIn: '15m', audience: 'api', purpose: 'access' })
console.log('\ntoken                ', token)
console.log('verifyToken          ', verifyToken(token, keys, { audience: 'api', purpose: 'access' }))
console.log('verifyToken (wrong aud)', verifyToken(token, keys, { audience: 'admin', purpose: 'access' }))

const session = { uid: 42, cart: [{ sku: 'A-1', qty: 2 }] }
const sealed = seal(session, keys, { purpose: 'session', ttl: '2h' })
console.log(
  '\nsealed session       ',
  sealed,
  `(${sealed.length} chars; sealedLength says ${sealedLength(JSON.stringify(session).length)})`,
)
console.log('unseal               ', JSON.stringify(unseal(sealed, keys, { purpose: 'session' })))
console.log('unseal (other cookie)', unseal(sealed, keys, { purpose: 'cart' }))

const sessionId = randomId()
const csrf = createCsrfToken(sessionId, keys)
console.log('\ncsrf token           ', csrf)
console.log('verify (same session) ', verifyCsrfToken(csrf, sessionId, keys))
console.log('verify (other session)', verifyCsrfToken(csrf, randomId(), keys))

const stored = await hashPassword('correct horse battery staple')
console.log('\npassword hash        ', stored)
console.log('verify (right)       ', await verifyPassword(stored, 'correct horse battery staple'))
console.log('verify (wrong)       ', await verifyPassword(stored, 'Tr0ub4dor&3'))
