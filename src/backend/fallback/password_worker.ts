/**
 * Runs in a worker thread of the fallback's pool: argon2id and bcrypt through hash-wasm
 * (WebAssembly; Node 20 has no crypto.argon2), so the event loop never runs them.
 */

import { parentPort } from 'node:worker_threads'
import { argon2id, bcryptVerify } from 'hash-wasm'
import type { Argon2Job } from '../types'

/**
 * A job posted to a pool worker; `id` matches it to its reply.
 * @example
 * worker.postMessage({ id: 1, op: 'bcrypt', stored: '$2b$10$...', password: Buffer.from('hunter2') } satisfies PasswordJob)
 */
export type PasswordJob =
  | ({ id: number; op: 'argon2id' } & Argon2Job)
  | { id: number; op: 'bcrypt'; stored: string; password: Uint8Array }

/**
 * A worker's answer: `tag` (argon2id), `matches` (bcrypt), or `error` (the message of what threw).
 * @example
 * worker.on('message', (reply: PasswordReply) => (reply.error ? fail(reply.id) : settle(reply.id, reply)))
 */
export type PasswordReply = { id: number; tag?: Uint8Array; matches?: boolean; error?: string }

/** bcrypt reads at most 72 bytes of a password (hash-wasm refuses longer ones outright). */
const BCRYPT_MAX_BYTES = 72

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
  // bcrypt hashes the password's raw bytes (any bytes, NUL included, then a NUL terminator; at
  // most 72), as the Rust crate of the native backend does. bcryptjs takes only strings and
  // hashes their UTF-8, so it cannot check a password that is not UTF-8: hash-wasm takes bytes.
  // hash-wasm is Openwall's crypt_blowfish, whose `$2a$` adds a guard against the 2011
  // sign-extension bug that changes the hash of some passwords holding 0xff bytes; the Rust crate,
  // bcryptjs and OpenBSD compute `$2a$` exactly like `$2b$` (and `$2y$`) up to 72 bytes, so the
  // hash is checked under `$2b$` (only the salt and digest are compared, not the prefix).
  const stored = `$2b$${job.stored.slice(4)}`
  const password = job.password.subarray(0, BCRYPT_MAX_BYTES)
  return { id: job.id, matches: await bcryptVerify({ password, hash: stored }) }
}

parentPort?.on('message', (job: PasswordJob) => {
  run(job).then(
    (reply) => parentPort?.postMessage(reply),
    (err: unknown) => parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) }),
  )
})
