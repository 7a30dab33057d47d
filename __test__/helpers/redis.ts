/**
 * Real Redis for the keycard/redis tests: `redis-server` processes on free loopback ports, in
 * their own temporary directories, stopped (and their directories removed) when the test or the
 * file ends. Fault tests get handles to freeze (SIGSTOP), thaw (SIGCONT), kill and restart the
 * server on the same port; the append-only file (fsync on every write) brings back what Redis had
 * acknowledged before it was killed.
 *
 * `startCluster` builds a 3-master Redis Cluster (no replicas) with `redis-cli --cluster create`.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Redis, { Cluster } from 'ioredis'
import { createClient, createCluster } from 'redis'
import { freePort } from './http'

export { freePort }

export interface RedisServer {
  port: number
  url: string
  dir: string
  /** The running process (replaced by `restart`). */
  readonly process: ChildProcess
  /** `redis-cli -p <port> ...args`: the reply as redis-cli prints it (trimmed). Rejects when it fails. */
  cli(...args: string[]): Promise<string>
  /** SIGSTOP: the server keeps its connections but answers nothing. */
  pause(): void
  /** SIGCONT. */
  resume(): void
  /** SIGKILL, and waits until the process is gone (no shutdown save: only the AOF is left). */
  kill(): Promise<void>
  /** Starts the server again on the same port and directory, and waits until it answers PING. */
  restart(): Promise<void>
  /** Kills the server and removes its directory (idempotent). */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
// An ava worker that exits (or crashes) must not leave redis-server processes behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export function redisCli(port: number, args: readonly string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`))
      else resolve(stdout.trim())
    })
  })
}

/** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await delay(everyMs)
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Spawns redis-server; resolves once it answers PING, rejects if it exits first (port taken...). */
async function spawnServer(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000)
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000)
  })
  child.once('exit', () => live.delete(child))
  let gone = false
  void exited(child).then(() => {
    gone = true
  })
  try {
    await until(
      `redis-server on port ${port} to answer PING`,
      async () => {
        if (gone) throw new Error(`redis-server exited before answering PING:\n${output}`)
        return (await redisCli(port, ['PING'], 1000).catch(() => '')) === 'PONG'
      },
      15_000,
      20,
    )
  } catch (err) {
    child.kill('SIGKILL')
    throw Object.assign(err as Error, { output })
  }
  return child
}

interface ServerOptions {
  /** This port (no retry when it is taken) instead of a free one. */
  port?: number
  /** Extra redis-server arguments (cluster mode...). */
  extra?: (dir: string) => string[]
}

/** Starts one redis-server (retrying when another process takes the port first). */
export async function startRedis(options: ServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-redis-'))
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort())
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
      ...(options.extra?.(dir) ?? []),
    ]
    let child: ChildProcess
    try {
      child = await spawnServer(args, port)
    } catch (err) {
      if (
        options.port === undefined &&
        attempt < 3 &&
        /Address already in use/i.test(String((err as { output?: string }).output))
      )
        continue
      rmSync(dir, { recursive: true, force: true })
      throw err
    }
    let stopped = false
    const server: RedisServer = {
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      get process() {
        return child
      },
      cli: (...cliArgs) => redisCli(port, cliArgs),
      pause: () => void child.kill('SIGSTOP'),
      resume: () => void child.kill('SIGCONT'),
      async kill() {
        child.kill('SIGKILL')
        await exited(child)
      },
      async restart() {
        child = await spawnServer(args, port)
      },
      async stop() {
        if (stopped) return
        stopped = true
        child.kill('SIGKILL')
        await exited(child)
        rmSync(dir, { recursive: true, force: true })
      },
    }
    return server
  }
}

export interface RedisCluster {
  nodes: RedisServer[]
  /** `{ host, port }` of every master, for cluster clients. */
  rootNodes: { host: string; port: number }[]
  stop(): Promise<void>
}

/** Three cluster-enabled redis-servers joined as one cluster of three masters. */
export async function startCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < 3; i++) {
      // The cluster bus gets its own free port (by default it would be port + 10000, maybe taken or > 65535).
      const busPort = await freePort()
      nodes.push(
        await startRedis({
          extra: (dir) => [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, 'nodes.conf'),
            '--cluster-port',
            String(busPort),
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      )
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`)
    await redisCli(nodes[0]!.port, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], 60_000)
    for (const node of nodes) {
      await until(
        `cluster_state:ok on ${node.port}`,
        async () => /cluster_state:ok/.test(await node.cli('CLUSTER', 'INFO')),
        30_000,
        50,
      )
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()))
    throw err
  }
  return {
    nodes,
    rootNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()))
    },
  }
}

// --- Clients ------------------------------------------------------------------------------------

export const CLIENT_KINDS = ['ioredis', 'node-redis'] as const
export type ClientKind = (typeof CLIENT_KINDS)[number]

export interface OpenClient {
  client: object
  close(): Promise<void>
}

/** A connected client of the given library, with the library's default options (as an app would). */
export async function openClient(kind: ClientKind, url: string): Promise<OpenClient> {
  if (kind === 'ioredis') {
    const client = new Redis(url)
    client.on('error', () => {})
    await client.ping()
    return { client, close: async () => void client.disconnect() }
  }
  const client = createClient({ url })
  client.on('error', () => {})
  await client.connect()
  return { client, close: async () => void client.destroy() }
}

/** A connected cluster client of the given library. */
export async function openClusterClient(kind: ClientKind, cluster: RedisCluster): Promise<OpenClient> {
  if (kind === 'ioredis') {
    const client = new Cluster(cluster.rootNodes)
    client.on('error', () => {})
    await client.ping()
    return { client, close: async () => void client.disconnect() }
  }
  const client = createCluster({ rootNodes: cluster.rootNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) })
  client.on('error', () => {})
  await client.connect()
  return { client, close: async () => void client.destroy() }
}
