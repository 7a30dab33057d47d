/**
 * A small pool of worker threads for the fallback's password work, the counterpart of the
 * native backend's libuv pool: as many workers as libuv's default pool (4), or fewer cores.
 * Workers start on first use, hold the process open only while they have work, and each runs one
 * job at a time (argon2 saturates a core).
 */

import { availableParallelism } from 'node:os'
import { extname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { createError } from '../../errors'
import { isAborted, onAbort, raceAbort, signalOf } from '../abort'
import type { PasswordJob, PasswordReply } from './password_worker'

/** A job without its id (the pool numbers jobs); distributes over the union of job kinds. */
type JobInput = PasswordJob extends infer J ? (J extends unknown ? Omit<J, 'id'> : never) : never

type Pending = { job: PasswordJob; resolve: (reply: PasswordReply) => void; reject: (err: Error) => void }

const SIZE = Math.max(1, Math.min(4, availableParallelism()))
// The worker is password_worker.ts under tsx (tests) and password_worker.js once built.
const WORKER_FILE = join(__dirname, `password_worker${extname(__filename)}`)

const idle: Worker[] = []
const busy = new Map<Worker, Pending>()
const queue: Pending[] = []
let started = 0
let nextId = 1

/**
 * Built, the worker is a .js file. Run from source (the test suite, under tsx), a worker thread
 * does not inherit tsx's loader, so it registers it before requiring the .ts worker.
 */
function spawn(): Worker {
  if (WORKER_FILE.endsWith('.js')) return new Worker(WORKER_FILE)
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(WORKER_FILE)})`, { eval: true })
}

function start(): Worker {
  const worker = spawn()
  started++
  worker.on('message', (reply: PasswordReply) => {
    const pending = busy.get(worker)
    busy.delete(worker)
    release(worker)
    pending?.resolve(reply)
  })
  worker.on('error', (err) => {
    // A crashed worker fails its job and is replaced on the next dispatch.
    const pending = busy.get(worker)
    busy.delete(worker)
    started--
    pending?.reject(createError('ERR_INTERNAL', `password worker failed: ${err.message}`, err))
    dispatch()
  })
  return worker
}

function release(worker: Worker): void {
  worker.unref()
  idle.push(worker)
  dispatch()
}

function dispatch(): void {
  while (queue.length > 0) {
    const worker = idle.pop() ?? (started < SIZE ? start() : undefined)
    if (!worker) return
    const pending = queue.shift() as Pending
    busy.set(worker, pending)
    worker.ref()
    worker.postMessage(pending.job)
  }
}

/**
 * Runs a job on the pool. With a signal: rejects with ERR_ABORTED when it aborts first; a value
 * that is not an AbortSignal rejects with ERR_INVALID_ARGUMENT before anything is queued.
 * @example
 * const reply = await runOnPool({ op: 'bcrypt', stored, password }, signal)
 * reply.matches // true or false; undefined with reply.error when the hash is unreadable
 */
export async function runOnPool(job: JobInput, given?: AbortSignal): Promise<PasswordReply> {
  const signal = signalOf(given)
  if (signal && isAborted(signal)) throw createError('ERR_ABORTED', 'the operation was aborted')
  const pending = { job: { ...job, id: nextId++ } as PasswordJob } as Pending
  const work = new Promise<PasswordReply>((resolve, reject) => {
    pending.resolve = resolve
    pending.reject = reject
    queue.push(pending)
    dispatch()
  })
  if (!signal) return work
  // Still queued when aborted: drop it, so an aborted hash costs nothing. The listener goes when
  // the job settles, so a long-lived signal does not collect one per operation.
  const dropIfQueued = () => {
    const at = queue.indexOf(pending)
    if (at >= 0) queue.splice(at, 1)
  }
  const settled = work.finally(onAbort(signal, dropIfQueued))
  return raceAbort(settled, signal)
}
