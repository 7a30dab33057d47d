/**
 * The Redis stacks of bench/sessions.ts, on Express 5 and one redis-server the bench starts:
 *
 * - `express-keycard-redis-{write,read}`: keycard/express with `redisStore({ client })` over an
 *   ioredis client (default options: what an app gets from `new Redis(url)`).
 * - `express-keycard-redis-node-redis-{write,read}`: the same over a node-redis 5 client.
 * - `express-connect-redis-{write,read}`: express-session (`resave: false, saveUninitialized:
 *   false`) with connect-redis 9 over a node-redis 5 client (`createClient({ url })`).
 *
 * Both are measured above the bare Express stack, like the other Express stacks. They are left out
 * unless selected with `--only=redis` (alone: the bare Express stack and these; with `express`:
 * every Express stack), so a default run needs no Redis. When one is selected, the bench starts
 * `redis-server` on a free loopback port with persistence off (`--save '' --appendonly no`, in a
 * temporary directory), closes both clients and stops it at the end; a missing redis-server is a
 * clear error. Each stack has a key prefix of its own, so the two never read each other's keys.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { type KeycardOptions, type KeycardStore, keycard } from './keycard'
import { type Contender, expressApp, injectDriver, type NodeMiddleware, SECRET } from './stacks'

/** The `--only` token that selects the Redis stacks. */
export const REDIS_ONLY = 'redis'

// Loaded with `require` and typed here, as stacks.ts does (see there): keycard/redis through the
// package's "exports" (dist/), and connect-redis, whose types pull in express-session's.
const { redisStore } = require('keycard/redis') as { redisStore(options: { client: object; prefix: string }): KeycardStore }
const expressSession = require('express-session') as (options: {
  secret: string
  resave: boolean
  saveUninitialized: boolean
  store: object
  cookie: { secure: boolean }
}) => NodeMiddleware
const { RedisStore: ConnectRedis } = require('connect-redis') as {
  RedisStore: new (options: { client: unknown; prefix: string }) => object
}

// --- redis-server ------------------------------------------------------------------------------

interface Server {
  url: string
  child: ChildProcess
  dir: string
  /** Clients the stacks opened, closed before the server stops. */
  clients: Array<() => Promise<unknown>>
}

let server: Server | undefined

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/** PING over a fresh connection: true once the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('data', (data: Buffer) => done(data.toString().startsWith('+PONG')))
    socket.once('error', () => done(false))
  })
}

/**
 * Starts redis-server on a free loopback port, persistence off, and waits for it to answer.
 * Throws a clear error when redis-server is not installed or does not come up within 10 s.
 */
export async function startRedis(): Promise<string> {
  if (server) return server.url
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'keycard-bench-sessions-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  let failure: Error | undefined
  child.once('error', (err: NodeJS.ErrnoException) => {
    failure =
      err.code === 'ENOENT'
        ? new Error('redis-server is not installed: the Redis stacks (--only=redis) need it on the PATH')
        : err
  })
  child.once('exit', (code, signal) => {
    failure ??= new Error(`redis-server exited (code ${code}, signal ${signal})`)
  })
  // However this process ends (a failed check, a crash, process.exit), the server goes with it.
  const orphan = () => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', orphan)
  child.once('exit', () => process.off('exit', orphan))
  server = { url: `redis://127.0.0.1:${port}`, child, dir, clients: [] }
  const deadline = Date.now() + 10_000
  while (!(await ping(port))) {
    if (failure !== undefined || Date.now() > deadline) {
      await stopRedis()
      throw failure ?? new Error(`redis-server did not answer PING on port ${port} within 10 s`)
    }
    await delay(50)
  }
  return server.url
}

/** Closes the stacks' clients and stops redis-server (nothing when it was not started). */
export async function stopRedis(): Promise<void> {
  const s = server
  if (!s) return
  server = undefined
  await Promise.allSettled(s.clients.map((close) => close()))
  if (s.child.exitCode === null && s.child.signalCode === null) {
    const exited = once(s.child, 'exit')
    s.child.kill('SIGTERM')
    await exited
  }
  rmSync(s.dir, { recursive: true, force: true })
}

function url(): string {
  if (!server) throw new Error('the Redis stacks need startRedis() first')
  return server.url
}

// --- The stacks --------------------------------------------------------------------------------

/** A connected node-redis 5 client with default options (`createClient({ url })`), closed at the end. */
async function nodeRedisClient(): Promise<object> {
  const { createClient } = require('redis') as {
    createClient(options: { url: string }): {
      connect(): Promise<unknown>
      close(): Promise<unknown>
      on(event: 'error', f: (err: unknown) => void): unknown
    }
  }
  const client = createClient({ url: url() })
  client.on('error', (err) => console.error('node-redis:', err))
  await client.connect()
  server?.clients.push(() => client.close())
  return client
}

/** An ioredis client with default options (`new Redis(url)`), closed at the end. */
function ioredisClient(): object {
  const Redis = require('ioredis') as new (
    url: string,
  ) => { quit(): Promise<unknown>; on(e: 'error', f: (err: unknown) => void): unknown }
  const client = new Redis(url())
  client.on('error', (err) => console.error('ioredis:', err))
  server?.clients.push(() => client.quit())
  return client
}

function keycardOnRedis(client: object, prefix: string): NodeMiddleware {
  const options: KeycardOptions = { secret: SECRET, store: redisStore({ client, prefix }), cookie: { secure: false } }
  return keycard.express(options)
}

async function connectRedis(): Promise<NodeMiddleware> {
  const store = new ConnectRedis({ client: await nodeRedisClient(), prefix: 'bench:connect-redis:' })
  return expressSession({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { secure: false } })
}

/**
 * The Redis contenders (Express); `redis: true` makes the bench start redis-server for them. The
 * goals compare keycard on ioredis with connect-redis on node-redis, as apps usually pair them;
 * keycard on node-redis is there to separate the client library's share from the store's.
 */
export const REDIS_CONTENDERS: readonly Contender[] = [
  {
    framework: 'express',
    name: 'keycard-redis',
    label: 'keycard/express redisStore (ioredis)',
    kind: 'keycard',
    store: 'redis',
    state: 'server',
    redis: true,
    make: async () => injectDriver(expressApp(keycardOnRedis(ioredisClient(), 'bench:keycard:'))),
  },
  {
    framework: 'express',
    name: 'keycard-redis-node-redis',
    label: 'keycard/express redisStore (node-redis)',
    kind: 'keycard',
    store: 'redis',
    state: 'server',
    redis: true,
    make: async () => injectDriver(expressApp(keycardOnRedis(await nodeRedisClient(), 'bench:keycard-node-redis:'))),
  },
  {
    framework: 'express',
    name: 'connect-redis',
    label: 'express-session + connect-redis (node-redis)',
    kind: 'peer',
    state: 'server',
    redis: true,
    make: async () => injectDriver(expressApp(await connectRedis())),
  },
]
