/**
 * The `keycard` command (src/cli.ts): `doctor` reports what keycard sees and never prints a
 * secret; `secret` prints a fresh 32-byte base64url secret. Run as a user would, in a child process.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import test from 'ava'
import { SECRET, t_ } from './helpers/backends'

const cli = join(__dirname, '..', 'src', 'cli.ts')

function run(args: string[], env: Record<string, string | undefined> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('KEYCARD_') || name === 'KEYCARD_BACKEND'),
  )
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  })
  return { status: result.status, out: result.stdout, err: result.stderr }
}

test(t_('cli: keycard secret prints a new 32-byte base64url secret each time'), (t) => {
  const a = run(['secret'])
  const b = run(['secret'])
  t.is(a.status, 0)
  t.regex(a.out.trim(), /^[A-Za-z0-9_-]{43}$/)
  t.is(Buffer.from(a.out.trim(), 'base64url').length, 32)
  t.not(a.out, b.out)
})

test(t_('cli: keycard doctor reports backend, platform package, config and secret strength, never the secret'), (t) => {
  const ok = run(['doctor'], { KEYCARD_SECRET: SECRET, KEYCARD_PASSWORD_PEPPER: 'pepper-value-never-printed' })
  t.is(ok.status, 0, ok.out + ok.err)
  t.regex(ok.out, /ok\s+backend\s+(native|fallback) \(/)
  t.regex(ok.out, /platform package\s+@keycard\/core-linux-x64-(gnu|musl)/)
  t.regex(ok.out, /secret\s+KEYCARD_SECRET: 1 key\(s\), \d+ bytes, key ids [A-Za-z0-9_-]{8}/)
  t.regex(ok.out, /KEYCARD_PASSWORD_PEPPER=<set>/)
  t.false(ok.out.includes(SECRET), 'the secret is never printed')
  t.false(ok.out.includes('pepper-value-never-printed'), 'the pepper is never printed')
})

test(t_('cli: keycard doctor fails (exit 1) on a missing or weak secret and a bad KEYCARD_* value, naming each'), (t) => {
  const missing = run(['doctor'])
  t.is(missing.status, 1)
  t.regex(missing.out, /FAIL secret\s+KEYCARD_SECRET is not set/)
  const bad = run(['doctor', '--json'], { KEYCARD_SECRET: 'ab'.repeat(20), KEYCARD_SESSION_TTL_SECONDS: 'soon' })
  t.is(bad.status, 1)
  const findings = JSON.parse(bad.out) as Array<{ ok: boolean; label: string; detail: string }>
  const failed = Object.fromEntries(findings.filter((f) => !f.ok).map((f) => [f.label, f.detail]))
  t.regex(failed.secret ?? '', /ERR_KEY_WEAK/)
  t.regex(failed.sessions ?? '', /ERR_BAD_CONFIG: KEYCARD_SESSION_TTL_SECONDS/)
  t.false(bad.out.includes('ab'.repeat(20)))
})

test(t_('cli: an unknown command prints the usage and exits 1'), (t) => {
  const r = run(['frobnicate'])
  t.is(r.status, 1)
  t.regex(r.err, /unknown command "frobnicate"[\s\S]*usage: keycard/)
})
