// Builds the Web Crypto entries into dist/web/: what package.json resolves for the workerd,
// worker, edge-light and browser conditions. Each is one ESM file with no imports (keycard/hono
// imports only `hono`, its peer): no import specifier to resolve (extensionless tsc ESM output
// does not load in every runtime), and a bundler still tree-shakes their top-level exports.
//
//   src/web/index.ts                 -> dist/web/index.mjs     (keycard)
//   src/sessions/adapters/fetch.ts   -> dist/web/fetch.mjs     (keycard/fetch)
//   src/sessions/adapters/hono.ts    -> dist/web/hono.mjs      (keycard/hono)
//   src/sessions/index.ts            -> dist/web/sessions.mjs  (keycard/sessions)
//
// The session entries are the Node sources with the few modules that reach Node swapped for
// their Web Crypto stand-ins (WEB_SWAPS below; src/web/shims/): the session core itself is one
// code base, and its cryptography goes through one seam (src/sessions/crypto.ts on Node,
// crypto_web.ts here). Fails if anything from Node (a node: import, require, Buffer, process.*)
// reaches an output.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

/** Module (path under src/, no extension) -> its stand-in on Web Crypto. */
const WEB_SWAPS = {
  'backend/index': 'web/shims/backend.ts', // no backend: ERR_UNSUPPORTED_RUNTIME where one is reached
  keys: 'web/shims/keys.ts', // keyrings resolved on crypto.subtle at the first request
  'lib/debug': 'web/shims/debug.ts', // NODE_DEBUG needs node:util
  diagnostics: 'web/shims/diagnostics.ts', // node:diagnostics_channel: silent channels
  random: 'web/shims/random.ts', // session ids from crypto.getRandomValues
  cache: 'web/shims/cache.ts', // memoryStore on a Map
  'sessions/stores/redis': 'web/shims/redis.ts', // no sockets: ERR_UNSUPPORTED_RUNTIME
  'sessions/crypto': 'sessions/crypto_web.ts', // the session seam on crypto.subtle
  'sessions/migrate': 'web/shims/migrate.ts', // migrateFrom needs Buffer and a sync HMAC: refused
}

/** A relative import's target under src/, without extension, or null. */
function moduleOf(importer, path) {
  const base = resolve(dirname(importer), path)
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && candidate.startsWith(src)) return candidate.slice(src.length + 1, -'.ts'.length)
  }
  return null
}

const webSwaps = {
  name: 'keycard-web-swaps',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const id = moduleOf(args.importer, args.path)
      const swap = id === null ? undefined : WEB_SWAPS[id]
      return swap === undefined ? undefined : { path: join(src, swap) }
    })
  },
}

const ENTRIES = [
  ['web/index.ts', 'index.mjs', []],
  ['sessions/adapters/fetch.ts', 'fetch.mjs', []],
  ['sessions/adapters/hono.ts', 'hono.mjs', ['hono']],
  ['sessions/index.ts', 'sessions.mjs', []],
]

for (const [entry, out, peers] of ENTRIES) {
  const outfile = join(root, 'dist/web', out)
  const started = performance.now()
  await build({
    entryPoints: [join(src, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
    external: peers.flatMap((p) => [p, `${p}/*`]),
    plugins: [webSwaps],
    // Code that names `process` (NODE_ENV, warnings, nextTick) gets the runtime's or a stand-in.
    inject: [join(src, 'web/shims/process.ts')],
  })
  const text = readFileSync(outfile, 'utf8')
  // Imports of the entry's peers (hono) are allowed; anything else imported is a leak.
  const imports = [...text.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((m) => m[1])
  const foreign = imports.filter((spec) => !peers.some((p) => spec === p || spec.startsWith(`${p}/`)))
  const leaks = [/\bimport\s*\(/, /\brequire\s*\(/, /\bBuffer\./, /["']node:/].filter((re) => re.test(text))
  if (foreign.length > 0 || leaks.length > 0) {
    console.error(`web: ${outfile} reaches Node (${[...foreign, ...leaks].join(', ')}): the Web Crypto entries must not`)
    process.exit(1)
  }
  console.log(`web: src/${entry} -> dist/web/${out}, ${text.length} bytes, ${Math.round(performance.now() - started)} ms`)
}
