// Builds what a fresh clone lacks before the demo or the tests run: the native addon (release)
// when its binary is missing or older than the Rust sources, and the TypeScript output.
// Set KEYCARD_SKIP_NATIVE_BUILD=1 to use the fallback only (no Rust toolchain needed).
import { execSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' })

function newest(dir, match) {
  let latest = 0
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && match(entry.name)) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return latest
}

const binary = readdirSync(root).find((name) => name.startsWith('keycard.') && name.endsWith('.node'))
const rustChanged = Math.max(
  newest('crates', (n) => n.endsWith('.rs') || n === 'Cargo.toml'),
  statSync(join(root, 'Cargo.toml')).mtimeMs,
)
if (process.env.KEYCARD_SKIP_NATIVE_BUILD !== '1' && (!binary || statSync(join(root, binary)).mtimeMs < rustChanged)) {
  run('npm run build:native')
}
const dist = join(root, 'dist/index.js')
if (!existsSync(dist) || statSync(dist).mtimeMs < newest('src', (n) => n.endsWith('.ts'))) run('npm run build:ts')
