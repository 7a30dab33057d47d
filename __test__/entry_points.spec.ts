import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import test from 'ava'
import { t_ } from './helpers/backends'

const root = join(__dirname, '..')

test(t_('entry points: ESM import and CommonJS require give the same single instance'), (t) => {
  const code = `
    import { createRequire } from 'node:module'
    import kc, { Keyring, sign, backend } from 'keycard'
    const cjs = createRequire(import.meta.url)('keycard')
    const same = Keyring === cjs.Keyring && kc.Keyring === Keyring && sign === cjs.sign
    const names = Object.keys(cjs).sort().join(',') === Object.keys(kc).sort().join(',')
    console.log(JSON.stringify({ same, names, backend: backend().name }))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: process.env,
  })
  t.deepEqual(JSON.parse(out), { same: true, names: true, backend: process.env.KEYCARD_BACKEND ?? 'native' })
})

test(t_('entry points: types resolve for both import and require'), (t) => {
  const pkg = require('../package.json')
  const entry = pkg.exports['.']
  t.is(entry.import.types, './dist/index.d.mts')
  t.is(entry.require.types, './dist/index.d.ts')
  t.is(require(join(root, entry.require.default)).sign.name, 'sign')
})

/** Every entry of package.json "exports", as `keycard` or `keycard/<name>`. */
function entryNames(): string[] {
  const pkg = require('../package.json')
  return Object.keys(pkg.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'keycard' : `keycard/${key.slice(2)}`))
}

/** The export names of each entry, through `import` and through `require` (one line of JSON per entry). */
function exportsOf(entries: string[]): Record<string, { esm: string[]; cjs: string[] }> {
  const code = `
    import { createRequire } from 'node:module'
    const require = createRequire(import.meta.url)
    const out = {}
    for (const entry of ${JSON.stringify(entries)}) {
      const esm = Object.keys(await import(entry)).filter((n) => n !== 'default').sort()
      const cjs = Object.keys(require(entry)).filter((n) => n !== '__esModule').sort()
      out[entry] = { esm, cjs }
    }
    console.log(JSON.stringify(out))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: process.env,
  })
  return JSON.parse(out)
}

const TEST_HOOKS = ['withBackend', 'loadBackend', 'sealWithNonce', 'setCacheClockForTests']

test(t_('entry points: test hooks are exported by keycard/testing only'), (t) => {
  const all = exportsOf(entryNames())
  for (const [entry, { esm, cjs }] of Object.entries(all)) {
    t.deepEqual(esm, cjs, `${entry}: import and require export the same names`)
    if (entry === 'keycard/testing') continue
    t.deepEqual(
      esm.filter((name) => TEST_HOOKS.includes(name)),
      [],
      `${entry} exports no test hook`,
    )
  }
  t.deepEqual(all['keycard/testing']?.esm, [
    'StoreContractError',
    'manualClock',
    'sealWithNonce',
    'setCacheClockForTests',
    'testStore',
    'withBackend',
  ])
})

test(t_('entry points: keycard/sessions exports the record helpers a store needs'), (t) => {
  const esm: string[] = exportsOf(['keycard/sessions'])['keycard/sessions']?.esm ?? []
  for (const name of ['encodeRecord', 'decodeRecord', 'checkedRecord', 'memoryStore', 'fromExpressSessionStore']) {
    t.true(esm.includes(name), name)
  }
  const pkg = require('../package.json')
  t.deepEqual(pkg.exports['./testing'], {
    import: { types: './dist/testing/index.d.mts', default: './dist/testing/index.mjs' },
    require: { types: './dist/testing/index.d.ts', default: './dist/testing/index.js' },
  })
})
