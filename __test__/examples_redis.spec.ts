/**
 * examples/redis.mjs as a user runs it (`node examples/redis.mjs`, importing keycard/express and
 * keycard/redis by the package's own name, so it needs `npm run build:ts`): with REDIS_URL it
 * keeps its sessions in that Redis; without, it starts its own redis-server and stops it on exit.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import type { ExecutionContext } from 'ava'
import Redis from 'ioredis'
import { t_ } from './helpers/backends'
import { Client } from './helpers/http'
import { freePort, redisCli, startRedis, until } from './helpers/redis'
import { requires } from './helpers/requires'

const test = requires('redis-server')

const root = join(__dirname, '..')
const example = join(root, 'examples', 'redis.mjs')

interface Running {
  child: ChildProcess
  origin: string
  redisUrl: string
  output(): string
}

async function run(t: ExecutionContext, env: NodeJS.ProcessEnv): Promise<Running> {
  const { REDIS_URL: _, ...inherited } = process.env
  const child = spawn(process.execPath, [example], {
    cwd: root,
    env: { ...inherited, ...env, PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => void child.kill('SIGKILL'))
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  let match: RegExpExecArray | null = null
  await until(
    'the example to print its URL',
    () => {
      if (child.exitCode !== null) throw new Error(`the example exited (${child.exitCode}):\n${output}`)
      match = /keycard redis example on (http:\/\/127\.0\.0\.1:\d+) \(Redis: (redis:\/\/[^)]+)\)/.exec(output)
      return match !== null
    },
    20_000,
  )
  const [, origin, redisUrl] = match as unknown as [string, string, string]
  return { child, origin, redisUrl, output: () => output }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

test(t_('examples: redis.mjs with REDIS_URL keeps its sessions in that Redis'), async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const app = await run(t, { REDIS_URL: server.url })
  t.is(app.redisUrl, server.url)
  const browser = new Client(app.origin)
  t.regex((await browser.get<string>('/')).body, /Views: <b id="views">1<\/b>/)
  t.regex((await browser.get<string>('/')).body, /Views: <b id="views">2<\/b>/)
  t.is((await browser.get('/login?user=bob')).status, 302)
  const { id, data } = (await browser.get<{ id: string; data: unknown }>('/session.json')).body
  t.deepEqual(data, { user: 'bob', views: 2 })
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  t.deepEqual(await redis.hgetall(`example:sess:${id}`).then((h) => [h.user, h.views]), ['"bob"', '2'])
  await browser.get('/logout')
  t.is(await redis.exists(`example:sess:${id}`), 0)
  app.child.kill('SIGTERM')
  t.is(await exited(app.child), 0)
})

test(t_('examples: redis.mjs without REDIS_URL runs its own redis-server and stops it on exit'), async (t) => {
  const app = await run(t, {})
  const port = Number(new URL(app.redisUrl).port)
  t.is(await redisCli(port, ['PING']), 'PONG')
  const browser = new Client(app.origin)
  t.regex((await browser.get<string>('/')).body, /Views: <b id="views">1<\/b>/)
  t.regex((await browser.get<string>('/')).body, /Views: <b id="views">2<\/b>/)
  app.child.kill('SIGTERM')
  t.is(await exited(app.child), 0)
  await t.throwsAsync(redisCli(port, ['PING']), undefined, 'its redis-server is gone')
})
