/** Sealed values under hostile input: docs/SECURITY.md items 9 and 10, tampering, malformed and oversized input. */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto'
import test, { type ExecutionContext } from 'ava'
import { type KeycardError, Keyring, type SecretInput, seal, unseal, unsealOrThrow } from '../src/index'
import { sealWithNonce } from '../src/seal'
import { both, fallback, on, SECRET, SECRET_2, t_, testNative } from './helpers/backends'

const PURPOSE = 'session'
const NOW = 1_700_000_000_000
const OPEN = { purpose: PURPOSE, now: NOW }

const dec = (s: string) => Buffer.from(s, 'base64url')
const enc = (b: Uint8Array) => Buffer.from(b).toString('base64url')
const kidOf = (secret: string) => new Keyring(secret).ids[0] as string
const hintOf = (purpose: string) => createHash('sha256').update(`keycard/v1/seal/${purpose}`).digest().subarray(0, 2)
/** Node's lenient decoder round-trips only canonical base64url. */
const canonical = (s: string) => /^[A-Za-z0-9_-]*$/.test(s) && enc(dec(s)) === s

function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'OK'
  } catch (err) {
    return (err as KeycardError).code ?? String(err)
  }
}

/** What the documented opening order (docs/FORMATS.md) makes of `bytes` when no tag can verify. */
function expectedCode(bytes: Buffer, kids = [kidOf(SECRET)], purpose = PURPOSE): string {
  if (bytes.length < 2 || bytes[0] !== 1) return 'ERR_BAD_FORMAT'
  const L = bytes[1] as number
  if (L === 0 || L > 64 || bytes.length < 41 + L) return 'ERR_BAD_FORMAT'
  if (!kids.includes(bytes.subarray(2, 2 + L).toString('latin1'))) return 'ERR_UNKNOWN_KEY'
  if (!bytes.subarray(2 + L, 4 + L).equals(hintOf(purpose))) return 'ERR_WRONG_PURPOSE'
  return 'ERR_DECRYPT'
}

/** Refused by both unseal (null) and unsealOrThrow (`code`). */
function refused(
  t: ExecutionContext,
  input: unknown,
  code: string,
  label: string,
  secret: SecretInput = SECRET,
  options: object = OPEN,
) {
  t.is(unseal(input as string, secret, options), null, label)
  t.is(
    codeOf(() => unsealOrThrow(input as string, secret, options)),
    code,
    label,
  )
}

/** Offsets of the parts of a decoded sealed value with an L-byte key id. */
const layout = (bytes: Buffer) => {
  const L = bytes[1] as number
  return { hint: 2 + L, nonce: 4 + L, body: 16 + L, tag: bytes.length - 16 }
}

/** AES-256-GCM with the key keycard derives, written here with node:crypto (independent of keycard). */
function forge(kind: number, data: Buffer, exp: number, nbf: number, nonce: Buffer, purpose = PURPOSE, secret = SECRET) {
  const kid = Buffer.from(kidOf(secret))
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), `keycard/v1/seal/${purpose}`, 32))
  const header = Buffer.concat([Buffer.from([1, kid.length]), kid, hintOf(purpose)])
  const body = Buffer.alloc(9)
  body[0] = kind
  body.writeUInt32BE(exp, 1)
  body.writeUInt32BE(nbf, 5)
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 }).setAAD(
    Buffer.concat([header, Buffer.from(purpose)]),
  )
  const ct = Buffer.concat([cipher.update(Buffer.concat([body, data])), cipher.final()])
  return { sealed: enc(Buffer.concat([header, nonce, ct, cipher.getAuthTag()])), key }
}

// --- Tampering -------------------------------------------------------------------------------------------

test(t_('seal: flipping any bit of any byte is refused with the code of its region'), (t) => {
  for (const data of ['secret data', Buffer.alloc(40, 7), { uid: 42 }]) {
    const bytes = dec(seal(data, SECRET, OPEN))
    const at = layout(bytes)
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(bytes)
        tampered[i] = (tampered[i] as number) ^ (1 << bit)
        const region =
          i === 0
            ? 'ERR_BAD_FORMAT'
            : i === 1
              ? expectedCode(tampered) // kid length 8 -> 9, 10, 12, 24, 40 (UNKNOWN_KEY) or 0, 72, 136 (BAD_FORMAT)
              : i < at.hint
                ? 'ERR_UNKNOWN_KEY'
                : i < at.nonce
                  ? 'ERR_WRONG_PURPOSE'
                  : 'ERR_DECRYPT' // nonce, ciphertext, tag
        refused(t, enc(tampered), region, `byte ${i} bit ${bit}`)
      }
    }
  }
})

test(t_('seal: changing any character of the text is refused'), (t) => {
  const sealed = seal('v', SECRET, OPEN) // 50 bytes: the last character carries 2 unused bits
  for (let i = 0; i < sealed.length; i++) {
    for (const c of ['A', 'B', '_']) {
      const tampered = sealed.slice(0, i) + c + sealed.slice(i + 1)
      if (tampered === sealed) continue
      refused(t, tampered, canonical(tampered) ? expectedCode(dec(tampered)) : 'ERR_BAD_FORMAT', `char ${i} ${c}`)
    }
  }
})

test(t_('seal: truncated, extended, reordered and spliced values are refused'), (t) => {
  const sealed = sealWithNonce('x'.repeat(40), SECRET, OPEN, Buffer.alloc(12, 0x5a))
  const bytes = dec(sealed)
  const at = layout(bytes)
  const [header, nonce, ct, tag] = [
    bytes.subarray(0, at.nonce),
    bytes.subarray(at.nonce, at.body),
    bytes.subarray(at.body, at.tag),
    bytes.subarray(at.tag),
  ]
  const byBytes: Record<string, [Buffer, string]> = {
    'last byte dropped': [bytes.subarray(0, -1), 'ERR_DECRYPT'],
    'first byte dropped': [bytes.subarray(1), 'ERR_BAD_FORMAT'],
    'ciphertext one byte shorter': [Buffer.concat([header, nonce, ct.subarray(0, -1), tag]), 'ERR_DECRYPT'],
    'ciphertext one byte longer': [Buffer.concat([header, nonce, ct, Buffer.of(0), tag]), 'ERR_DECRYPT'],
    'one byte appended': [Buffer.concat([bytes, Buffer.of(0)]), 'ERR_DECRYPT'],
    'one byte prepended': [Buffer.concat([Buffer.of(1), bytes]), 'ERR_UNKNOWN_KEY'], // kid length 1, kid "\x08"
    'nonce and tag swapped': [Buffer.concat([header, tag, ct, nonce]), 'ERR_DECRYPT'],
    'tag first': [Buffer.concat([header, nonce, tag, ct]), 'ERR_DECRYPT'],
    'value twice': [Buffer.concat([bytes, bytes]), 'ERR_DECRYPT'],
    'header moved to the end': [Buffer.concat([nonce, ct, tag, header]), expectedCode(Buffer.concat([nonce, ct, tag, header]))],
    'header only': [header, 'ERR_BAD_FORMAT'],
    'header and nonce only': [Buffer.concat([header, nonce]), 'ERR_BAD_FORMAT'],
  }
  t.is(byBytes['header moved to the end']?.[1], 'ERR_BAD_FORMAT') // it starts with 0x5a
  for (const [name, [input, code]] of Object.entries(byBytes)) refused(t, enc(input), code, name)
  // Splices of two authentic values for the same key and purpose.
  const other = dec(sealWithNonce('y'.repeat(40), SECRET, OPEN, Buffer.alloc(12, 0xa5)))
  refused(
    t,
    enc(Buffer.concat([bytes.subarray(0, at.body), other.subarray(at.body)])),
    'ERR_DECRYPT',
    'nonce of one, body of other',
  )
  refused(t, enc(Buffer.concat([bytes.subarray(0, at.tag), other.subarray(at.tag)])), 'ERR_DECRYPT', 'tag of the other')
  // Character-level edits.
  for (const [name, input] of [
    ['last char dropped', sealed.slice(0, -1)],
    ['first char dropped', sealed.slice(1)],
    ['char appended', `${sealed}A`],
    ['two chars appended', `${sealed}AA`],
  ] as const) {
    refused(t, input, canonical(input) ? expectedCode(dec(input)) : 'ERR_BAD_FORMAT', name)
  }
  t.is(unseal(sealed, SECRET, OPEN), 'x'.repeat(40)) // control
})

// --- docs/SECURITY.md item 9: tags --------------------------------------------------------------------------------------

test(t_('seal: a tag truncated to 12, 8 or 4 bytes or missing is refused on both backends (docs/SECURITY.md item 9)'), (t) => {
  for (const be of both) {
    on(be, () => {
      for (const data of ['', 'x', 'x'.repeat(40), Buffer.alloc(100, 1)]) {
        const bytes = dec(seal(data, SECRET, OPEN))
        for (const cut of [4, 8, 12, 16]) {
          const input = bytes.subarray(0, bytes.length - cut)
          refused(t, enc(input), expectedCode(input), `${be.name} ${String(data).length} tag -${cut}`)
        }
        const at = layout(bytes)
        for (const fill of [0, 0xff]) {
          refused(
            t,
            enc(Buffer.concat([bytes.subarray(0, at.tag), Buffer.alloc(16, fill)])),
            'ERR_DECRYPT',
            `${be.name} tag ${fill}`,
          )
        }
      }
      // With 40 bytes of data every truncation still parses, so the tag check itself refuses it.
      const long = dec(seal('x'.repeat(40), SECRET, OPEN))
      for (const cut of [4, 8, 12, 16]) refused(t, enc(long.subarray(0, long.length - cut)), 'ERR_DECRYPT', `${be.name} -${cut}`)
    })
  }
})

test(t_('seal: the truncated tags refused above are ones node:crypto accepts without authTagLength'), (t) => {
  // Proves the previous test exercises the Node 20 pitfall: the same bytes verify when the tag length is not pinned.
  const nonce = Buffer.alloc(12, 3)
  const data = 'pitfall '.repeat(4) // long enough that every truncation still parses
  const { sealed, key } = forge(1, Buffer.from(data), 0, 0, nonce)
  t.is(
    sealed,
    on(fallback, () => sealWithNonce(data, SECRET, { ...OPEN, ttl: 0 }, nonce)),
  )
  const bytes = dec(sealed)
  const at = layout(bytes)
  const aad = Buffer.concat([bytes.subarray(0, at.nonce), Buffer.from(PURPOSE)])
  for (const tagLength of [12, 8, 4]) {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce).setAAD(aad)
    decipher.setAuthTag(bytes.subarray(at.tag, at.tag + tagLength))
    const body = Buffer.concat([decipher.update(bytes.subarray(at.body, at.tag)), decipher.final()])
    t.is(body.subarray(9).toString(), data, `node accepts a ${tagLength}-byte tag`)
    for (const be of both) {
      const truncated = enc(bytes.subarray(0, at.tag + tagLength))
      on(be, () => refused(t, truncated, 'ERR_DECRYPT', `${be.name} ${tagLength}`))
    }
  }
})

// --- docs/SECURITY.md item 10: nonces, version, key id, AAD ----------------------------------------------------------

test(t_('seal: another nonce is ERR_DECRYPT; nonces of 0, 8 or 16 bytes are refused (docs/SECURITY.md item 10)'), (t) => {
  const bytes = dec(seal('v'.repeat(20), SECRET, OPEN))
  const at = layout(bytes)
  const otherNonce = dec(seal('v'.repeat(20), SECRET, OPEN)).subarray(at.nonce, at.body)
  for (const nonce of [Buffer.alloc(12), Buffer.alloc(12, 0xff), otherNonce]) {
    refused(t, enc(Buffer.concat([bytes.subarray(0, at.nonce), nonce, bytes.subarray(at.body)])), 'ERR_DECRYPT', 'nonce')
  }
  // A value whose nonce region is 0, 8 or 16 bytes long: the layout shifts and the tag cannot verify.
  for (const n of [0, 8, 16]) {
    const input = Buffer.concat([bytes.subarray(0, at.nonce), Buffer.alloc(n, 1), bytes.subarray(at.body)])
    refused(t, enc(input), 'ERR_DECRYPT', `${n}-byte nonce`)
  }
  for (const be of both) {
    for (const n of [0, 8, 11, 13, 16]) {
      t.is(
        on(be, () => codeOf(() => sealWithNonce('v', SECRET, OPEN, Buffer.alloc(n)))),
        'ERR_BAD_FORMAT',
        `${be.name} ${n}`,
      )
    }
  }
})

test(t_('seal: every seal draws a fresh nonce: two seals differ and 1000 seals never repeat one'), (t) => {
  const a = dec(seal({ uid: 1 }, SECRET, OPEN))
  const b = dec(seal({ uid: 1 }, SECRET, OPEN))
  const at = layout(a)
  t.is(a.length, b.length)
  t.deepEqual(a.subarray(0, at.nonce), b.subarray(0, at.nonce))
  t.notDeepEqual(a.subarray(at.nonce, at.body), b.subarray(at.nonce, at.body))
  t.notDeepEqual(a.subarray(at.body), b.subarray(at.body))
  const nonces = new Set<string>()
  const values = new Set<string>()
  for (let i = 0; i < 1000; i++) {
    const sealed = seal('same data', SECRET, OPEN)
    values.add(sealed)
    nonces.add(dec(sealed).subarray(at.nonce, at.body).toString('hex'))
  }
  t.is(nonces.size, 1000)
  t.is(values.size, 1000)
  t.false(nonces.has('000000000000000000000000'))
})

test(t_('seal: a changed version byte or key id byte is refused (docs/SECURITY.md item 10)'), (t) => {
  const bytes = dec(seal('v', SECRET, OPEN))
  for (const version of [0, 2, 0x81, 0xff]) {
    const input = Buffer.from(bytes)
    input[0] = version
    refused(t, enc(input), 'ERR_BAD_FORMAT', `version ${version}`)
  }
  const at = layout(bytes)
  for (let i = 2; i < at.hint; i++) {
    const input = Buffer.from(bytes)
    input[i] = (input[i] as number) === 0x41 ? 0x42 : 0x41
    refused(t, enc(input), 'ERR_UNKNOWN_KEY', `kid byte ${i}`)
  }
  // The key id swapped for another key the keyring holds: the header is authenticated, so still refused.
  const ring = new Keyring([SECRET, SECRET_2])
  const swapped = Buffer.concat([bytes.subarray(0, 2), Buffer.from(kidOf(SECRET_2)), bytes.subarray(at.hint)])
  t.is(swapped.length, bytes.length)
  refused(t, enc(swapped), 'ERR_DECRYPT', 'kid of the other key', ring)
  t.is(unseal(enc(bytes), ring, OPEN), 'v') // control
})

test(t_('seal: the purpose is bound by hint and AAD; a hint forged for another purpose is ERR_DECRYPT'), (t) => {
  const forA = seal('v', SECRET, { purpose: 'a' })
  refused(t, forA, 'ERR_WRONG_PURPOSE', 'a as b', SECRET, { purpose: 'b' })
  const bytes = dec(forA)
  const at = layout(bytes)
  const rehinted = Buffer.concat([bytes.subarray(0, at.hint), hintOf('b'), bytes.subarray(at.nonce)])
  refused(t, enc(rehinted), 'ERR_DECRYPT', 'hint of b', SECRET, { purpose: 'b' })
  // A purpose whose 2-byte hint collides with 'session': only the AAD (and the per-purpose key) tell them apart.
  let twin = ''
  for (let i = 0; !twin; i++) if (hintOf(`p${i}`).equals(hintOf(PURPOSE))) twin = `p${i}`
  const sealed = seal('v', SECRET, OPEN)
  refused(t, sealed, 'ERR_DECRYPT', `twin ${twin}`, SECRET, { purpose: twin })
  t.is(unseal(seal('w', SECRET, { purpose: twin }), SECRET, { purpose: twin }), 'w')
  refused(t, seal('w', SECRET, { purpose: twin }), 'ERR_DECRYPT', 'twin as session')
})

// --- Authentic but malformed plaintext (forged with the derived key) ----------------------------------

test(t_('seal: authentic values with a bad kind, invalid UTF-8 or invalid JSON are ERR_BAD_FORMAT on both backends'), (t) => {
  const nonce = Buffer.alloc(12, 9)
  const ok = forge(3, Buffer.from('{"a":1}'), 0, 0, nonce).sealed
  for (const be of both) {
    on(be, () => {
      t.deepEqual(unsealOrThrow(ok, SECRET, OPEN), { a: 1 }) // the forger is right
      t.is(ok, sealWithNonce({ a: 1 }, SECRET, { ...OPEN, ttl: 0 }, nonce), be.name)
      for (const kind of [0, 4, 0x81, 0xff])
        refused(t, forge(kind, Buffer.from('x'), 0, 0, nonce).sealed, 'ERR_BAD_FORMAT', `kind ${kind}`)
      for (const kind of [1, 3])
        refused(t, forge(kind, Buffer.of(0xc3, 0x28), 0, 0, nonce).sealed, 'ERR_BAD_FORMAT', `utf8 ${kind}`)
      refused(t, forge(1, Buffer.of(0xed, 0xa0, 0x80), 0, 0, nonce).sealed, 'ERR_BAD_FORMAT', 'encoded surrogate')
      for (const json of ['', 'nope', '{"a":1', '{"a":1}x', "{'a':1}"]) {
        refused(t, forge(3, Buffer.from(json), 0, 0, nonce).sealed, 'ERR_BAD_FORMAT', `json ${json}`)
      }
      t.deepEqual(
        Buffer.from(unsealOrThrow<Uint8Array>(forge(2, Buffer.of(0xc3, 0x28), 0, 0, nonce).sealed, SECRET, OPEN)),
        Buffer.of(0xc3, 0x28),
      )
      refused(t, forge(1, Buffer.from('x'), NOW / 1000, 0, nonce).sealed, 'ERR_EXPIRED', 'exp = now')
      refused(t, forge(1, Buffer.from('x'), 0, NOW / 1000 + 1, nonce).sealed, 'ERR_NOT_YET_VALID', 'nbf = now + 1')
    })
  }
})

testNative(t_('seal: a clock past 2106 never revives an expired value, and both backends agree'), (t) => {
  const sealed = seal('v', SECRET, { ...OPEN, ttl: '1h' })
  for (const now of [4_294_967_295_000, 4_294_967_296_000, 4_300_000_000_000, 1e15]) {
    const codes = both.map((be) => on(be, () => codeOf(() => unsealOrThrow(sealed, SECRET, { purpose: PURPOSE, now }))))
    t.is(codes[0], codes[1], `native ${codes[0]} vs fallback ${codes[1]} at ${now}`)
    for (const be of both)
      t.is(
        on(be, () => unseal(sealed, SECRET, { purpose: PURPOSE, now })),
        null,
        `${be.name} at ${now}`,
      )
  }
})

// --- Malformed and oversized text -------------------------------------------------------------------------

test(t_('seal: non-base64url, non-canonical, empty and non-string inputs are ERR_BAD_FORMAT'), (t) => {
  const sealed = sealWithNonce('', SECRET, OPEN, Buffer.alloc(12, 0xff)) // 49 bytes; nonce at chars 16-31 is '_'
  t.is(sealed.slice(16, 32), '_'.repeat(16))
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = sealed.at(-1) as string
  const noncanonical = sealed.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1]
  t.deepEqual(dec(noncanonical), dec(sealed)) // Node's decoder cannot tell them apart
  const cases: Record<string, unknown> = {
    'non-canonical last character': noncanonical,
    bang: `${sealed.slice(0, 10)}!${sealed.slice(11)}`,
    'padding =': `${sealed}==`,
    'one =': `${sealed.slice(0, -1)}=`,
    'standard base64 (/)': dec(sealed).toString('base64').replace(/=+$/, ''),
    plus: `${sealed.slice(0, 20)}+${sealed.slice(21)}`,
    slash: `${sealed.slice(0, 20)}/${sealed.slice(21)}`,
    'embedded space': `${sealed.slice(0, 20)} ${sealed.slice(20)}`,
    'leading space': ` ${sealed}`,
    'trailing newline': `${sealed}\n`,
    'percent escape': `${sealed.slice(0, 20)}%5F${sealed.slice(21)}`,
    'non-ASCII': `${sealed.slice(0, 20)}é${sealed.slice(21)}`,
    'lone surrogate': `${sealed.slice(0, 20)}\ud800${sealed.slice(21)}`,
    empty: '',
    'one character': 'A',
    'only the version': 'AQ',
    number: 42,
    undefined: undefined,
    null: null,
    object: { sealed },
    array: [sealed],
    buffer: Buffer.from(sealed),
  }
  for (const [name, input] of Object.entries(cases)) refused(t, input, 'ERR_BAD_FORMAT', name)
  t.is(unseal(sealed, SECRET, OPEN), '') // control
})

test(t_('seal: huge inputs are ERR_TOO_LARGE before decoding; the bound is sealedLength(maxSize, 64)'), (t) => {
  for (const huge of ['A'.repeat(10_000_000), '!'.repeat(10_000_000), `${seal('v', SECRET, OPEN)}${'A'.repeat(100_000)}`]) {
    refused(t, huge, 'ERR_TOO_LARGE', `${huge.length}`)
  }
  const ring = new Keyring([{ id: 'k'.repeat(64), secret: SECRET }])
  const atLimit = seal('d'.repeat(100), ring, OPEN)
  t.is(unseal(atLimit, ring, { ...OPEN, maxSize: 100 }), 'd'.repeat(100))
  const over = seal('d'.repeat(101), ring, OPEN)
  refused(t, over, 'ERR_TOO_LARGE', 'one byte over', ring, { ...OPEN, maxSize: 100 })
  t.is(unseal(seal('', ring, OPEN), ring, { ...OPEN, maxSize: 0 }), '')
  refused(t, seal('d', ring, OPEN), 'ERR_TOO_LARGE', 'maxSize 0 with a 64-character kid', ring, { ...OPEN, maxSize: 0 })
})
