// The long fuzz run (`npm run fuzz`): the differential suite for KEYCARD_FUZZ_SECONDS (default 300)
// on each backend, then the Rust proptest suites with PROPTEST_CASES (default 20000) cases per
// property. `node scripts/fuzz.mjs 60` runs for 60 seconds per backend instead.
// A failure prints fast-check's seed, path and counterexample; replay it as the report says
// (KEYCARD_FUZZ_SEED, KEYCARD_FUZZ_PATH, see __test__/helpers/fuzz.ts).
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ava = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
const seconds = process.argv[2] ?? process.env.KEYCARD_FUZZ_SECONDS ?? '300'
if (!(Number(seconds) > 0)) {
  console.error(`usage: node scripts/fuzz.mjs [seconds per backend], not ${JSON.stringify(seconds)}`)
  process.exit(2)
}
const cases = process.env.PROPTEST_CASES ?? '20000'

const runs = [
  ...['native', 'fallback'].map((backend) => ({
    name: `differential fuzzing (KEYCARD_BACKEND=${backend}, ${seconds} s)`,
    cmd: process.execPath,
    // ava stops a file that reports nothing for its timeout: allow the whole budget and then some.
    args: [ava, '--timeout', `${Math.ceil(Number(seconds) * 2 + 120)}s`, '__test__/fuzz_differential.spec.ts'],
    env: { KEYCARD_BACKEND: backend, KEYCARD_FUZZ_SECONDS: seconds },
  })),
  {
    name: `Rust proptests (PROPTEST_CASES=${cases})`,
    cmd: 'cargo',
    args: ['test', '-p', 'keycard-seal', '-p', 'keycard-password', '--test', 'proptest_format', '--test', 'proptest_params'],
    env: { PROPTEST_CASES: cases },
  },
]

function run({ cmd, args, env }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' })
    child.on('error', (err) => {
      console.error(err.message)
      resolve(1)
    })
    child.on('close', (code) => resolve(code ?? 1))
  })
}

const results = []
for (const r of runs) {
  console.log(`\n=== ${r.name} ===`)
  results.push(`${r.name}: ${(await run(r)) === 0 ? 'passed' : 'FAILED'}`)
}
console.log(`\n${results.join('\n')}`)
process.exitCode = results.every((line) => line.endsWith('passed')) ? 0 : 1
