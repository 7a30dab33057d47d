// Builds the Web Crypto entry (src/web/index.ts) into dist/web/index.mjs: one ESM file with no
// imports at all, what package.json resolves for the workerd, worker, edge-light and browser
// conditions. One file rather than a tree: no import specifier to resolve (extensionless tsc ESM
// output does not load in every runtime), and a bundler still tree-shakes its top-level exports.
// Fails if anything from Node (a node: import, require, Buffer, process.*) reaches the output.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outfile = join(root, 'dist/web/index.mjs')
const started = performance.now()
await build({
  entryPoints: [join(root, 'src/web/index.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
})
const text = readFileSync(outfile, 'utf8')
const leaks = [/\bfrom\s*["']/, /\bimport\s*\(/, /\brequire\s*\(/, /\bBuffer\./, /["']node:/].filter((re) => re.test(text))
if (leaks.length > 0) {
  console.error(`web: ${outfile} reaches Node (${leaks.join(', ')}): the Web Crypto entry must not`)
  process.exit(1)
}
console.log(`web: src/web/index.ts -> dist/web/index.mjs, ${text.length} bytes, ${Math.round(performance.now() - started)} ms`)
