// Writes an ESM entry (.mjs + .d.mts) beside each CommonJS entry in dist/, for every entry of
// package.json "exports". The ESM file re-exports the CommonJS module, so `import` and `require`
// share one instance (one Keyring class, one loaded addon) instead of two copies of the library.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

for (const [entry, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue // ./package.json
  const cjs = join(root, target.require.default)
  const mjs = join(root, target.import.default)
  const names = Object.keys(require(cjs)).filter((name) => name !== 'default' && name !== '__esModule')
  const base = `./${cjs.split('/').pop()}`
  writeFileSync(mjs, `import cjs from '${base}'\n\nexport const { ${names.join(', ')} } = cjs\nexport default cjs\n`)
  writeFileSync(join(root, target.import.types), `export * from '${base}'\n`)
  console.log(`esm: ${entry} -> ${names.length} exports`)
}
