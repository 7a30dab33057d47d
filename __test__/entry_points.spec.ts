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
