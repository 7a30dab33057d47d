// Install proof: packs the main package and the linux-x64-gnu platform package,
// installs them into fresh projects the way a user would, and runs smoke checks there, both with
// require() and with import:
//   project A: main + platform tarballs  -> the native backend, loaded from the platform package
//   project B: main tarball alone        -> the TypeScript fallback, byte-identical output,
//                                           and KEYCARD_BACKEND=native throws ERR_NATIVE_UNAVAILABLE
// It builds nothing: run `npm run build:ts` and the native build first.
//
// Output (parsed by other scripts): one line per check, `ok - <name>` or
// `not ok - <name>: <reason>`, then `pack-test: N passed, M failed`; exit code 0 only if M is 0.
// npm's and the children's output goes to stderr, and only on failure.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const BINARY = 'keycard.linux-x64-gnu.node'
const PLATFORM_DIR = join(root, 'npm/linux-x64-gnu')
const PLATFORM_PKG = '@keycard/core-linux-x64-gnu'
const NPM_TIMEOUT_MS = 90_000
const CHILD_TIMEOUT_MS = 30_000

let passed = 0
let failed = 0

function report(name, ok, reason) {
  if (ok) {
    passed++
    console.log(`ok - ${name}`)
  } else {
    failed++
    console.log(`not ok - ${name}: ${String(reason ?? 'failed').replace(/\s*\n\s*/g, ' ')}`)
  }
  return ok
}

/** Prints captured output of a failed command to stderr, indented, so stdout stays parseable. */
function dump(label, text) {
  const body = String(text ?? '').trim()
  if (body) console.error(`# ${label}:\n${body.replace(/^/gm, '#   ')}`)
}

function finish() {
  console.log(`pack-test: ${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 ? 0 : 1
}

/** Runs a command; returns { ok, stdout, stderr, why }. Never throws. */
function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options })
  let why = null
  if (r.error) why = r.error.code === 'ETIMEDOUT' ? `timed out after ${options.timeout} ms` : r.error.message
  else if (r.status !== 0) why = r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`
  return { ok: why === null, stdout: r.stdout ?? '', stderr: r.stderr ?? '', why }
}

/** The environment for npm and the smoke children: no backend or loader overrides leak in. */
function cleanEnv(extra = {}) {
  const env = { ...process.env }
  for (const name of [
    'KEYCARD_BACKEND',
    'NAPI_RS_NATIVE_LIBRARY_PATH',
    'NAPI_RS_FORCE_WASI',
    'NODE_PATH',
    'NODE_OPTIONS',
    'KEYCARD_ALLOW_INSECURE_KEY',
  ]) {
    delete env[name]
  }
  return { ...env, npm_config_update_notifier: 'false', ...extra }
}

function npm(args, cwd) {
  const r = run('npm', args, { cwd, env: cleanEnv(), timeout: NPM_TIMEOUT_MS })
  if (!r.ok) {
    dump(`npm ${args.join(' ')} (in ${cwd})`, `${r.stdout}\n${r.stderr}`)
  }
  return r
}

// ---------------------------------------------------------------------------------------------
// The smoke check, run in a child process inside an installed project. The same body serves the
// CommonJS and the ESM entry; each header supplies `kc` (the module), `assert`, `req` (a require
// for this project) and `entry`. Input comes as JSON in PACK_TEST_INPUT; the result is one JSON
// line on stdout: { checks: [[name, ok, reason]], values: { ... } }.
// ---------------------------------------------------------------------------------------------

const SMOKE_BODY = `
const input = JSON.parse(process.env.PACK_TEST_INPUT)
const checks = []
const values = {}
function check(name, fn) {
  try {
    fn()
    checks.push([name, true, null])
  } catch (err) {
    checks.push([name, false, (err && err.message) || String(err)])
  }
}
function loadedAddons() {
  return Object.keys(req.cache).filter((file) => file.endsWith('.node'))
}
const SECRET = 'pack-test secret, 32+ bytes long: 0123456789abcdef'
const OTHER = 'pack-test other secret, also long: fedcba9876543210'
const BYTES = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex')
const FIXED_NOW = 1700000000000

if (input.expect === 'throws') {
  check('KEYCARD_BACKEND=native: backend() throws ERR_NATIVE_UNAVAILABLE', () => {
    let error
    try {
      kc.backend()
    } catch (err) {
      error = err
    }
    assert.ok(error, 'backend() did not throw')
    assert.equal(error.code, 'ERR_NATIVE_UNAVAILABLE')
    assert.ok(error instanceof kc.KeycardError, 'not a KeycardError')
  })
  check("KEYCARD_BACKEND=native: the error's cause is the loader's error", () => {
    let error
    try {
      kc.backend()
    } catch (err) {
      error = err
    }
    assert.ok(error, 'backend() did not throw')
    assert.ok(error.cause instanceof Error, 'cause is ' + String(error.cause))
    assert.match(error.cause.message, /Cannot find native binding/)
    assert.ok(error.cause.cause !== undefined, 'the loader error has no cause chain')
  })
  check('KEYCARD_BACKEND=native: sign() throws ERR_NATIVE_UNAVAILABLE too', () => {
    assert.throws(() => kc.sign('v', SECRET, { purpose: 'p' }), { code: 'ERR_NATIVE_UNAVAILABLE' })
  })
} else {
  check('backend() is ' + input.expect, () => {
    const info = kc.backend()
    assert.equal(info.name, input.expect, 'reason: ' + info.reason)
    assert.equal(typeof info.reason, 'string')
    if (input.reason) assert.match(info.reason, new RegExp(input.reason, 'i'))
  })
  if (input.expect === 'native') {
    check('addon loaded from the installed ' + input.platformPkg, () => {
      const addons = loadedAddons()
      assert.equal(addons.length, 1, 'loaded: ' + JSON.stringify(addons))
      assert.ok(addons[0].startsWith(input.platformDir), addons[0] + ' is not in ' + input.platformDir)
    })
  } else {
    check('no .node addon loaded', () => assert.deepEqual(loadedAddons(), []))
  }
  check('sign/unsign round trip, tampering and wrong purpose give null', () => {
    const signed = kc.sign('user-42', SECRET, { purpose: 'uid' })
    assert.match(signed, /^user-42\\.[A-Za-z0-9_-]{43}$/)
    assert.equal(kc.unsign(signed, SECRET, { purpose: 'uid' }), 'user-42')
    assert.equal(kc.unsign(signed.replace('user-42', 'user-43'), SECRET, { purpose: 'uid' }), null)
    const last = signed.at(-1) === 'A' ? 'B' : 'A'
    assert.equal(kc.unsign(signed.slice(0, -1) + last, SECRET, { purpose: 'uid' }), null)
    assert.equal(kc.unsign(signed, SECRET, { purpose: 'other' }), null)
    assert.equal(kc.unsign(signed, OTHER, { purpose: 'uid' }), null)
  })
  check('signToken/verifyToken round trip, tampering gives null', () => {
    const token = kc.signToken({ uid: 42 }, SECRET, { purpose: 'api', expiresIn: '5m' })
    const claims = kc.verifyToken(token, SECRET, { purpose: 'api' })
    assert.ok(claims, 'verifyToken returned null')
    assert.equal(claims.uid, 42)
    assert.equal(claims.pur, 'api')
    const [h, p, s] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ ...claims, uid: 1 })).toString('base64url')
    assert.equal(kc.verifyToken(h + '.' + forged + '.' + s, SECRET, { purpose: 'api' }), null)
    assert.equal(kc.verifyToken(token, OTHER, { purpose: 'api' }), null)
    assert.equal(kc.verifyToken(token, SECRET, { purpose: 'web' }), null)
    assert.ok(p.length > 0)
  })
  check('the FORMATS.md token vector verifies at its time, under tokenKey; RFC 7515 A.1 is refused under its raw key', () => {
    const { token, rfc7515 } = input.vectors
    const secret = input.vectors.secretUtf8
    const opts = { audience: token.options.audience, purpose: token.options.purpose, now: token.options.now }
    const claims = kc.verifyToken(token.expected, secret, opts)
    assert.equal(claims?.uid, token.payload.uid)
    assert.equal(Buffer.from(kc.tokenKey(secret)).toString('hex'), token.keyHex)
    assert.equal(kc.verifyToken(token.expected, secret, { ...opts, now: undefined }), null) // expired today
    // Tokens are keyed by HKDF(secret, "keycard/v1/token"), never by the raw secret (FORMATS.md, format separation).
    assert.equal(kc.verifyToken(rfc7515.token, Buffer.from(rfc7515.keyHex, 'hex'), { now: 1300819379000 }), null)
  })
  check('createCsrfToken/verifyCsrfToken round trip, other session false', () => {
    const token = kc.createCsrfToken('session-1', SECRET)
    assert.equal(kc.verifyCsrfToken(token, 'session-1', SECRET), true)
    assert.equal(kc.verifyCsrfToken(token, 'session-2', SECRET), false)
    assert.equal(kc.verifyCsrfToken(token, 'session-1', OTHER), false)
  })
  check('randomId() is 43 base64url characters, and random', () => {
    const id = kc.randomId()
    assert.match(id, /^[A-Za-z0-9_-]{43}$/)
    assert.notEqual(kc.randomId(), id)
  })
  check('fixed-input outputs computed (signToken with now, sign with purpose)', () => {
    values.token = kc.signToken({ uid: 42, role: 'admin' }, SECRET, { now: FIXED_NOW })
    values.tokenPurpose = kc.signToken({ uid: 42 }, SECRET, { now: FIXED_NOW, purpose: 'api', audience: 'app' })
    values.tokenBytesKey = kc.signToken({ a: 1 }, BYTES, { now: FIXED_NOW })
    values.tokenKeyring = kc.signToken({ a: 1 }, new kc.Keyring([SECRET, OTHER]), { now: FIXED_NOW })
    values.signed = kc.sign('v', SECRET, { purpose: 'p' })
    values.signedNoPurpose = kc.sign('hello, world', SECRET)
    values.signedCookieSignature = kc.sign('v', SECRET, { format: 'cookie-signature' })
    values.keyringIds = new kc.Keyring([SECRET, BYTES]).ids.join(',')
    const claims = kc.verifyToken(values.token, SECRET, { now: FIXED_NOW + 1000 })
    assert.equal(claims && claims.role, 'admin')
  })
}
`
const SMOKE_END = `process.stdout.write('\\n' + JSON.stringify({ checks, values }) + '\\n')
`

const SMOKE_CJS = `'use strict'
const kc = require('keycard')
const assert = require('node:assert/strict')
const req = require
${SMOKE_BODY}${SMOKE_END}`

const SMOKE_ESM = `import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as kc from 'keycard'
import kcDefault, { Keyring, backend } from 'keycard'
const req = createRequire(import.meta.url)
${SMOKE_BODY}
if (input.expect !== 'throws') {
  const cjs = req('keycard')
  check('ESM default, named import and require() share one Keyring class', () => {
    assert.equal(kcDefault.Keyring, cjs.Keyring, 'default export Keyring differs from require')
    assert.equal(Keyring, cjs.Keyring, 'named import Keyring differs from require')
    assert.equal(kc.Keyring, cjs.Keyring, 'namespace Keyring differs from require')
    assert.equal(backend, cjs.backend, 'named import backend differs from require')
    assert.ok(new Keyring(SECRET) instanceof cjs.Keyring)
  })
}
${SMOKE_END}`

/** Runs one smoke file in `project`; reports each of its checks as `<label>: <check>`. */
function smoke(project, file, label, input, env = {}) {
  const r = run(process.execPath, [file], {
    cwd: project,
    env: cleanEnv({ ...env, PACK_TEST_INPUT: JSON.stringify(input) }),
    timeout: CHILD_TIMEOUT_MS,
  })
  const results = r.stdout
    .split('\n')
    .filter((line) => line.startsWith('{"checks"'))
    .map((line) => JSON.parse(line))
  if (!r.ok || results.length === 0) {
    dump(`node ${file} (${label})`, `${r.stdout}\n${r.stderr}`)
    report(`${label}: smoke check ran`, false, r.why ?? 'no result line')
    return null
  }
  const values = {}
  for (const result of results) {
    for (const [name, ok, reason] of result.checks) report(`${label}: ${name}`, ok, reason)
    Object.assign(values, result.values)
  }
  if (r.stderr.trim() && results.some((res) => res.checks.some(([, ok]) => !ok))) dump(`${label} stderr`, r.stderr)
  return values
}

function writeProject(dir, name) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, private: true }, null, 2)}\n`)
  writeFileSync(join(dir, 'smoke.cjs'), SMOKE_CJS)
  writeFileSync(join(dir, 'smoke.mjs'), SMOKE_ESM)
}

/**
 * A copy of the main package as it is published: its "files" plus a package.json whose
 * optionalDependencies name the platform package (what `napi prepublish` writes at release).
 * The repository's own package.json does not list it, so `npm install` in a checkout never asks
 * the registry for an unpublished package name someone else could claim.
 */
function stageMain(tmp) {
  const stage = join(tmp, 'stage-main')
  mkdirSync(stage)
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  for (const entry of pkg.files) cpSync(join(root, entry), join(stage, entry), { recursive: true })
  const platform = JSON.parse(readFileSync(join(PLATFORM_DIR, 'package.json'), 'utf8'))
  pkg.optionalDependencies = { [platform.name]: platform.version }
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  return stage
}

/** The `.tgz` of `npm pack --json`, in `dest`. */
function pack(cwd, dest, label) {
  const r = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dest], cwd)
  if (!r.ok) return report(`pack ${label}`, false, `npm pack: ${r.why}`) && null
  try {
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))
    const file = join(dest, info.filename)
    if (!existsSync(file)) throw new Error(`${file} missing`)
    report(`pack ${label} (${info.filename})`, true)
    return file
  } catch (err) {
    dump(`npm pack output (${label})`, r.stdout)
    report(`pack ${label}`, false, `cannot read npm pack --json output: ${err.message}`)
    return null
  }
}

function tarList(file) {
  const r = run('tar', ['-tzf', file], { timeout: 30_000 })
  if (!r.ok) throw new Error(`tar -tzf ${file}: ${r.why}: ${r.stderr.trim()}`)
  return r.stdout.split('\n').filter(Boolean)
}

function checkTar(name, file, predicate) {
  try {
    const entries = tarList(file)
    const why = predicate(entries)
    report(name, why === true, why)
  } catch (err) {
    report(name, false, err.message)
  }
}

// Installing tarball paths needs no registry for the packages themselves, but npm still requests
// the packument of the optional platform package while building the tree (seen: GET 404, twice),
// even with --omit=optional, which only keeps it from being installed. --prefer-offline plus short
// fetch limits keep that cheap when the registry answers and bounded when it does not.
const INSTALL_FLAGS = [
  'install',
  '--no-audit',
  '--no-fund',
  '--prefer-offline',
  '--fetch-retries=1',
  '--fetch-timeout=20000',
  '--loglevel=error',
]

function install(project, label, tarballs, extraFlags = []) {
  const r = npm([...INSTALL_FLAGS, ...extraFlags, ...tarballs], project)
  return report(`${label}: npm install ${extraFlags.join(' ')} ${tarballs.length} tarball(s)`.replace(/ +/g, ' '), r.ok, r.why)
}

function compareValues(label, reference, values) {
  if (!reference || !values) return report(`${label}: outputs identical to native (A cjs)`, false, 'missing outputs')
  const names = Object.keys(reference)
  const diff = names.filter((name) => values[name] !== reference[name])
  if (names.length === 0) return report(`${label}: outputs identical to native (A cjs)`, false, 'no reference outputs')
  const detail = diff.map((name) => `${name}: ${JSON.stringify(values[name])} vs ${JSON.stringify(reference[name])}`)
  return report(`${label}: outputs identical to native (A cjs)`, diff.length === 0, detail.join('; '))
}

function main(tmp) {
  const packs = join(tmp, 'packs')
  mkdirSync(packs)

  // 1. Pack both packages; the main tarball must not carry a binary.
  try {
    copyFileSync(join(root, BINARY), join(PLATFORM_DIR, BINARY))
    report(`copy ${BINARY} into npm/linux-x64-gnu`, true)
  } catch (err) {
    report(`copy ${BINARY} into npm/linux-x64-gnu`, false, err.message)
    return
  }
  const mainTgz = pack(stageMain(tmp), packs, 'main package')
  const platformTgz = pack(PLATFORM_DIR, packs, `platform package ${PLATFORM_PKG}`)
  if (!mainTgz || !platformTgz) return
  checkTar('main tarball contains no .node file', mainTgz, (entries) => {
    const binaries = entries.filter((e) => e.endsWith('.node'))
    return binaries.length === 0 || `contains ${binaries.join(', ')}`
  })
  checkTar(
    'main tarball contains dist/index.js, dist/index.mjs, dist/web/{index,fetch,hono,sessions}.mjs and native.cjs',
    mainTgz,
    (entries) => {
      const wanted = [
        'package/dist/index.js',
        'package/dist/index.mjs',
        'package/dist/web/index.mjs',
        'package/dist/web/fetch.mjs',
        'package/dist/web/hono.mjs',
        'package/dist/web/sessions.mjs',
        'package/native.cjs',
      ]
      const absent = wanted.filter((e) => !entries.includes(e))
      return absent.length === 0 || `missing ${absent.join(', ')}`
    },
  )
  checkTar('main tarball carries the docs, LICENSE, CHANGELOG.md and the examples the README links to', mainTgz, (entries) => {
    const wanted = [
      'package/LICENSE',
      'package/CHANGELOG.md',
      'package/docs/FORMATS.md',
      'package/docs/SESSIONS.md',
      'package/examples/demo.mjs',
    ]
    const missing = wanted.filter((name) => !entries.includes(name))
    return missing.length === 0 || `missing: ${missing.join(', ')}`
  })
  checkTar('main package.json has repository, homepage, bugs and keywords (links work on the registry page)', mainTgz, () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    const missing = ['repository', 'homepage', 'bugs', 'keywords'].filter((key) => !pkg[key])
    return missing.length === 0 || `missing: ${missing.join(', ')}`
  })
  checkTar(`platform tarball contains ${BINARY}`, platformTgz, (entries) => {
    return entries.includes(`package/${BINARY}`) || `entries: ${entries.join(', ')}`
  })

  const rfc7515 = JSON.parse(readFileSync(join(root, '__test__/vectors/rfc7515-hs256.json'), 'utf8'))
  const formats = JSON.parse(readFileSync(join(root, '__test__/vectors/keycard-formats.json'), 'utf8'))
  const base = {
    vectors: {
      secretUtf8: formats.secretUtf8,
      token: formats.token,
      rfc7515: { token: rfc7515.token, keyHex: rfc7515.keyHex },
    },
  }

  // 2. Project A: main + platform package -> native.
  const a = join(tmp, 'a')
  writeProject(a, 'a')
  let reference = null
  if (install(a, 'A', [mainTgz, platformTgz])) {
    const platformDir = join(a, 'node_modules', ...PLATFORM_PKG.split('/'))
    const input = { ...base, expect: 'native', platformPkg: PLATFORM_PKG, platformDir: `${platformDir}/` }
    reference = smoke(a, 'smoke.cjs', 'A cjs', input)
    const esm = smoke(a, 'smoke.mjs', 'A esm', input)
    compareValues('A esm', reference, esm)
    const forced = smoke(a, 'smoke.cjs', 'A cjs KEYCARD_BACKEND=native', { ...input }, { KEYCARD_BACKEND: 'native' })
    compareValues('A cjs KEYCARD_BACKEND=native', reference, forced)
  }

  // 3. Project B: the main package alone -> fallback. --omit=optional keeps npm from asking the
  //    registry for the platform package (a 404 there would be skipped silently anyway).
  const b = join(tmp, 'b')
  writeProject(b, 'b')
  if (install(b, 'B', [mainTgz], ['--omit=optional'])) {
    report(
      `B: ${PLATFORM_PKG} is not installed`,
      !existsSync(join(b, 'node_modules', ...PLATFORM_PKG.split('/'))),
      'found in node_modules',
    )
    const input = { ...base, expect: 'fallback', reason: 'native.*unavailable' }
    compareValues('B cjs', reference, smoke(b, 'smoke.cjs', 'B cjs', input))
    compareValues('B esm', reference, smoke(b, 'smoke.mjs', 'B esm', input))
    const forced = { ...base, expect: 'fallback', reason: 'KEYCARD_BACKEND=fallback' }
    compareValues(
      'B cjs KEYCARD_BACKEND=fallback',
      reference,
      smoke(b, 'smoke.cjs', 'B cjs KEYCARD_BACKEND=fallback', forced, { KEYCARD_BACKEND: 'fallback' }),
    )
    smoke(b, 'smoke.cjs', 'B cjs', { ...base, expect: 'throws' }, { KEYCARD_BACKEND: 'native' })
    smoke(b, 'smoke.mjs', 'B esm', { ...base, expect: 'throws' }, { KEYCARD_BACKEND: 'native' })
    webEntry(b)
  }
}

/**
 * The `workerd` condition resolves the Web Crypto entries of the installed package: its sync sign()
 * throws ERR_UNSUPPORTED_RUNTIME and its signAsync() writes what the Node entry's sign() writes;
 * its keycard/fetch makes a session cookie that the Node entry's keycard/fetch continues.
 */
function webEntry(project) {
  const secret = JSON.stringify('pack-test-secret-0123456789abcdef-0123456789')
  const code = (body) => `import * as k from 'keycard'\nimport { session } from 'keycard/fetch'\n${body}`
  // One request through keycard/fetch: the session's views, plus one; the new cookie.
  const visit = (cookie) =>
    `const sessions = session({ secret: ${secret} })\n` +
    `const s = await sessions.load(new Request('https://app.test/', { headers: ${cookie} ? { cookie: ${cookie} } : {} }))\n` +
    's.views = (s.views ?? 0) + 1\n' +
    "const cookie = (await sessions.commit(s, new Response(''))).headers.getSetCookie()[0].split(';')[0]\n"
  const opts = { cwd: project, env: cleanEnv(), timeout: CHILD_TIMEOUT_MS }
  const web = run(
    'node',
    [
      '--conditions=workerd',
      '--input-type=module',
      '-e',
      code(
        `let code = 'none'; try { k.sign('v', ${secret}) } catch (e) { code = e.code }\n${visit('undefined')}` +
          `console.log(JSON.stringify({ code, signed: await k.signAsync('v', ${secret}, { purpose: 'p' }), cookie }))`,
      ),
    ],
    opts,
  )
  const got = web.ok ? JSON.parse(web.stdout.trim()) : {}
  const node = run(
    'node',
    [
      '--input-type=module',
      '-e',
      code(
        `${visit(JSON.stringify(got.cookie ?? ''))}console.log(JSON.stringify({ signed: k.sign('v', ${secret}, { purpose: 'p' }), views: s.views }))`,
      ),
    ],
    opts,
  )
  if (!web.ok || !node.ok) {
    dump('web entry', `${web.stderr}\n${node.stderr}`)
    report('B web entry (--conditions=workerd): loads', false, web.why ?? node.why)
    return
  }
  const onNode = JSON.parse(node.stdout.trim())
  report(
    'B web entry (--conditions=workerd): sync sign() is ERR_UNSUPPORTED_RUNTIME',
    got.code === 'ERR_UNSUPPORTED_RUNTIME',
    got.code,
  )
  report(
    'B web entry (--conditions=workerd): signAsync() on Web Crypto equals the Node sign()',
    got.signed === onNode.signed,
    `${got.signed} vs ${onNode.signed}`,
  )
  report(
    'B web entry (--conditions=workerd): a keycard/fetch session cookie made there goes on on Node',
    onNode.views === 2,
    `views ${onNode.views}`,
  )
}

// Preconditions: this script tests what was built; it does not build.
const missing = [
  ['dist/index.js', 'run `npm run build:ts`'],
  ['dist/index.mjs', 'run `npm run build:ts`'],
  [BINARY, 'run `npm run build:native`'],
  ['npm/linux-x64-gnu/package.json', 'run `napi create-npm-dirs`'],
].filter(([file]) => !existsSync(join(root, file)))
report(
  'preconditions: built dist/ and native binary present',
  missing.length === 0,
  missing.map(([file, fix]) => `${file} missing (${fix})`).join('; '),
)

if (missing.length > 0) {
  finish()
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'keycard-pack-test-'))
  const cleanup = () => rmSync(tmp, { recursive: true, force: true })
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      cleanup()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  try {
    main(tmp)
  } catch (err) {
    report('pack-test ran to completion', false, err?.stack ?? String(err))
  } finally {
    cleanup()
  }
  finish()
}
