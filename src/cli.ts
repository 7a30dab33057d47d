#!/usr/bin/env node
/**
 * The `keycard` command: `npx keycard doctor` tells what keycard sees on this machine (backend and
 * why, the platform package it expects, Node, CPU, the `KEYCARD_*` configuration with its errors,
 * where the secret comes from and how strong it is — never the secret itself); `npx keycard secret`
 * prints a new random 32-byte secret. Exit status 1 when the doctor finds a problem.
 */

import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { backend } from './backend'
import { isErrorCode, type KeycardError } from './errors'
import { Keyring } from './keys'
import { resolveOptions } from './sessions/options'

/** Env vars that hold secrets: reported as set or not, never printed. */
const SECRET_VARS = new Set(['KEYCARD_SECRET', 'KEYCARD_PASSWORD_PEPPER', 'KEYCARD_REDIS_URL'])

interface Finding {
  ok: boolean
  label: string
  detail: string
}

/**
 * The npm package that carries the native binary for this machine (napi-rs naming).
 * @example
 * platformPackage('darwin', 'arm64') // '@keycard/core-darwin-arm64'
 * platformPackage('win32', 'x64') // '@keycard/core-win32-x64-msvc'
 */
export function platformPackage(platform = process.platform, arch = process.arch): string {
  let triple = `${platform}-${arch}`
  if (platform === 'linux') {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
    triple += report?.header?.glibcVersionRuntime ? '-gnu' : '-musl'
  } else if (platform === 'win32') {
    triple += '-msvc'
  }
  return `@keycard/core-${triple}`
}

function installed(name: string): string | null {
  try {
    return require.resolve(`${name}/package.json`)
  } catch {
    return null
  }
}

function describeError(err: unknown): string {
  const code = (err as KeycardError | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  return isErrorCode(code) ? `${code}: ${message}` : message
}

/**
 * What `keycard doctor` checks, as findings (exported for tests): `ok` false for a problem.
 * @example
 * diagnose({ KEYCARD_SECRET: 'short' }).filter((f) => !f.ok) // the secret finding: ERR_KEY_TOO_SHORT
 */
export function diagnose(env: NodeJS.ProcessEnv = process.env): Finding[] {
  const findings: Finding[] = []
  const add = (ok: boolean, label: string, detail: string) => findings.push({ ok, label, detail })
  const cpu = cpus()
  add(true, 'node', `${process.version} on ${process.platform}-${process.arch}`)
  add(true, 'cpu', `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`)

  try {
    const info = backend()
    add(true, 'backend', `${info.name} (${info.reason}), version ${info.version}`)
  } catch (err) {
    add(false, 'backend', describeError(err))
  }
  const pkg = platformPackage()
  // A checkout builds the binary beside package.json (keycard.<platform>.node), which the loader
  // prefers to the platform package.
  const local = readdirSync(join(__dirname, '..')).find((name) => name.startsWith('keycard.') && name.endsWith('.node'))
  const where = installed(pkg)
  add(
    true,
    'platform package',
    where
      ? `${pkg} found`
      : local
        ? `${pkg} not installed; a local build, ${local}, is used`
        : `${pkg} is not installed (the TypeScript fallback runs instead)`,
  )

  const vars = Object.keys(env)
    .filter((name) => name.startsWith('KEYCARD_'))
    .sort()
  add(
    true,
    'environment',
    vars.length === 0
      ? 'no KEYCARD_* variables'
      : vars.map((name) => (SECRET_VARS.has(name) ? `${name}=<set>` : `${name}=${JSON.stringify(env[name])}`)).join(', '),
  )

  // The secret: where it comes from and whether keycard accepts it. Key ids are public.
  const secret = env.KEYCARD_SECRET
  if (secret === undefined || secret === '') {
    add(false, 'secret', 'KEYCARD_SECRET is not set: keycard throws ERR_NO_SECRET (generate one with: npx keycard secret)')
  } else {
    const parts = secret.split(',').map((s) => s.trim())
    try {
      const keyring = new Keyring(parts)
      const lengths = parts.map((p) => Buffer.byteLength(p, 'utf8'))
      add(
        true,
        'secret',
        `KEYCARD_SECRET: ${parts.length} key(s), ${lengths.join(', ')} bytes, key ids ${keyring.ids.join(', ')}`,
      )
    } catch (err) {
      add(false, 'secret', `KEYCARD_SECRET is refused: ${describeError(err)}`)
    }
  }

  // Session configuration from the environment: parsed exactly as SessionManager does.
  try {
    const options = resolveOptions({ secret: secret ? undefined : new Keyring(randomBytes(32)) }, env)
    const { cookie, ttl, store } = options
    add(
      true,
      'sessions',
      `store ${store.kind}, ttl ${ttl / 1000} s, cookie ${cookie.name} (path ${cookie.path}, secure ${cookie.secure}, sameSite ${cookie.sameSite})`,
    )
  } catch (err) {
    add(false, 'sessions', describeError(err))
  }
  return findings
}

function doctor(json: boolean): number {
  const findings = diagnose()
  if (json) console.log(JSON.stringify(findings, null, 2))
  else for (const f of findings) console.log(`${f.ok ? 'ok  ' : 'FAIL'} ${f.label.padEnd(17)} ${f.detail}`)
  return findings.every((f) => f.ok) ? 0 : 1
}

const USAGE = `usage: keycard <command>
  doctor [--json]   what keycard sees here: backend and why, platform package, Node, CPU,
                    KEYCARD_* configuration and its errors, the secret's source and strength
  secret            print a new random 32-byte secret (base64url) for KEYCARD_SECRET`

/**
 * Runs the command line; returns the exit status.
 * @example
 * main(['secret']) // prints a new base64url secret, returns 0
 * main(['doctor', '--json']) // 1 when a finding fails
 */
export function main(argv: readonly string[]): number {
  const [command, ...rest] = argv
  if (command === 'secret') {
    console.log(randomBytes(32).toString('base64url'))
    return 0
  }
  if (command === 'doctor') return doctor(rest.includes('--json'))
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE)
    return command === undefined ? 1 : 0
  }
  console.error(`keycard: unknown command ${JSON.stringify(command)}\n${USAGE}`)
  return 1
}

if (require.main === module) process.exitCode = main(process.argv.slice(2))
