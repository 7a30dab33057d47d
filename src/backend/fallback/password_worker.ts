/**
 * Runs in a worker thread of the fallback's pool: argon2id through hash-wasm (WebAssembly; Node 20
 * has no crypto.argon2) and bcrypt checks through bcryptjs, so the event loop never runs them.
 */

import { parentPort } from 'node:worker_threads'
import bcrypt from 'bcryptjs'
import { argon2id } from 'hash-wasm'
import type { Argon2Job } from '../types'

export type PasswordJob =
  | ({ id: number; op: 'argon2id' } & Argon2Job)
  | { id: number; op: 'bcrypt'; stored: string; password: Uint8Array }

export type PasswordReply = { id: number; tag?: Uint8Array; matches?: boolean; error?: string }

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

async function run(job: PasswordJob): Promise<PasswordReply> {
  if (job.op === 'argon2id') {
    const tag = await argon2id({
      password: job.password,
      salt: job.salt,
      secret: job.pepper ?? undefined,
      iterations: job.t,
      parallelism: job.p,
      memorySize: job.m,
      hashLength: job.tagLength,
      outputType: 'binary',
    })
    return { id: job.id, tag }
  }
  // bcryptjs takes strings and hashes their UTF-8 bytes: a password that is not UTF-8 cannot
  // be what a bcryptjs or bcrypt user stored, so it does not match.
  let password: string
  try {
    password = strictUtf8.decode(job.password)
  } catch {
    return { id: job.id, matches: false }
  }
  return { id: job.id, matches: await bcrypt.compare(password, job.stored) }
}

parentPort?.on('message', (job: PasswordJob) => {
  run(job).then(
    (reply) => parentPort?.postMessage(reply),
    (err: unknown) => parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) }),
  )
})
