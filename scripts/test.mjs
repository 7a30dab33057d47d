// The README's test command (`npm test`) after ensure-built: every suite, one summary line.
//   1. ava with KEYCARD_BACKEND=native     2. ava with KEYCARD_BACKEND=fallback
//   3. type tests (tsc over __test__/types)  4. cargo test (Rust core and vectors)
//   5. the install proof (packed tarballs, scripts/pack-test.mjs)
// Prints each suite's output as it runs, then `N passed, M failed` over all of them, with
// `, K skipped` when suites were skipped for a program the machine lacks (redis-server, chromium:
// see __test__/helpers/requires.ts), each named once with how to install it.
// KEYCARD_SKIP_NATIVE_BUILD=1 runs only the fallback suite (for machines without Rust).
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ava = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
const fallbackOnly = process.env.KEYCARD_SKIP_NATIVE_BUILD === '1'

/** Counts from TAP (`ok`/`not ok` lines): ava --tap and scripts/pack-test.mjs. A skip is not a pass. */
function countTap(text) {
  const skipped = (text.match(/^ok .*# SKIP/gm) ?? []).length
  return {
    passed: (text.match(/^ok /gm) ?? []).length - skipped,
    failed: (text.match(/^not ok /gm) ?? []).length,
    skipped,
  }
}

/** Counts from cargo's `test result: ok. 9 passed; 0 failed;` lines. */
function countCargo(text) {
  let passed = 0
  let failed = 0
  for (const m of text.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1])
    failed += Number(m[2])
  }
  return { passed, failed, skipped: 0 }
}

/**
 * Counts for the type-level tests (`tsc --noEmit` over __test__/types): one test per file, failed
 * when tsc reports an error in it (an unused @ts-expect-error included).
 */
function countTypes(text) {
  const files = readdirSync(join(root, '__test__', 'types')).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  const broken = new Set([...text.matchAll(/^__test__\/types\/([^(]+)\(/gm)].map((m) => m[1]))
  const failed = files.filter((name) => broken.has(name)).length
  for (const name of files) console.log(`${broken.has(name) ? 'not ok' : 'ok'} - types: ${name}`)
  return { passed: files.length - failed, failed, skipped: 0 }
}

const suites = [
  {
    name: 'ava (native)',
    cmd: process.execPath,
    args: [ava, '--tap'],
    env: { KEYCARD_BACKEND: 'native' },
    count: countTap,
    native: true,
  },
  { name: 'ava (fallback)', cmd: process.execPath, args: [ava, '--tap'], env: { KEYCARD_BACKEND: 'fallback' }, count: countTap },
  {
    name: 'type tests',
    cmd: process.execPath,
    args: [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join('__test__', 'types', 'tsconfig.json')],
    env: {},
    count: countTypes,
  },
  { name: 'cargo test', cmd: 'cargo', args: ['test', '--workspace', '--quiet'], env: {}, count: countCargo, native: true },
  {
    name: 'install proof',
    cmd: process.execPath,
    args: [join(root, 'scripts', 'pack-test.mjs')],
    env: {},
    count: countTap,
    native: true,
  },
]

function run(suite) {
  return new Promise((resolve) => {
    console.log(`\n=== ${suite.name} ===`)
    const child = spawn(suite.cmd, suite.args, {
      cwd: root,
      env: { ...process.env, ...suite.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        output += chunk
        process.stdout.write(chunk)
      })
    }
    child.on('error', (err) => resolve({ passed: 0, failed: 1, skipped: 0, output: err.message }))
    child.on('close', (code) => {
      const counts = suite.count(output)
      // A suite that exits non-zero without reporting a failure (a crash, a compile error) still fails.
      if (code !== 0 && counts.failed === 0) counts.failed = 1
      if (counts.passed + counts.failed + counts.skipped === 0) counts.failed = 1
      resolve({ ...counts, output })
    })
  })
}

let passed = 0
let failed = 0
let skipped = 0
const lines = []
/** What was skipped and how to install it: one line per program, from every suite. */
const skipReasons = new Set()
for (const suite of suites) {
  if (fallbackOnly && suite.native) continue
  const counts = await run(suite)
  passed += counts.passed
  failed += counts.failed
  skipped += counts.skipped
  for (const m of counts.output.matchAll(/^KEYCARD-SKIP: (.*)$/gm)) skipReasons.add(m[1])
  const skip = counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''
  lines.push(`${suite.name}: ${counts.passed} passed, ${counts.failed} failed${skip}`)
}
console.log(`\n${lines.join('\n')}`)
for (const reason of skipReasons) console.log(`skipped: ${reason}`)
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
process.exitCode = failed === 0 ? 0 : 1
