/**
 * Runs examples/demo.mjs as a child process (as `npm run demo` does, on the backend this run
 * selects through the inherited KEYCARD_BACKEND) on a free port, stopped when the test ends.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import type { ExecutionContext } from 'ava'
import { freePort } from './http'

export const root = join(__dirname, '..', '..')
export const demoPath = join(root, 'examples', 'demo.mjs')

export interface Demo {
  /** `http://127.0.0.1:<port>`, as the demo printed it. */
  origin: string
  /** Everything the demo wrote to stdout and stderr so far. */
  stdout(): string
  stderr(): string
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** One attempt: resolves with the demo once it printed its URL, rejects if it exits first or is slow. */
function launch(t: ExecutionContext, port: number, env: NodeJS.ProcessEnv): Promise<Demo> {
  const child = spawn(process.execPath, [demoPath], {
    cwd: root,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => stop(child))
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the demo printed no URL within 30 s\nstdout: ${out}\nstderr: ${err}`))
      void stop(child)
    }, 30_000)
    child.stdout.on('data', () => {
      const url = /keycard demo on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(out)
      if (!url) return
      clearTimeout(timer)
      resolve({ origin: url[1] as string, stdout: () => out, stderr: () => err })
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`the demo exited (${code ?? signal}) before printing its URL\nstderr: ${err}`), { err }))
    })
  })
}

/** Starts the demo on a free port (retried if another process takes the port first). */
export async function startDemo(t: ExecutionContext, env: NodeJS.ProcessEnv = process.env): Promise<Demo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(t, await freePort(), env)
    } catch (error) {
      if (attempt >= 3 || !String((error as { err?: string }).err).includes('EADDRINUSE')) throw error
    }
  }
}

/** The `_csrf` token of the first form of a page (HTML text). */
export function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  if (token === undefined) throw new Error('no CSRF field in the page')
  return token
}
