// keycard sessions in Redis: an Express app whose sessions live in Redis hashes, shared by every
// process that points at the same Redis. Run `node examples/redis.mjs`: with REDIS_URL set it
// uses that Redis; otherwise it starts its own redis-server on a free loopback port (stopped on
// exit). Then open the printed URL, and look inside with `redis-cli -u <redis url> --scan`.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import express from 'express'
import { session } from 'keycard/express'
import { redisStore } from 'keycard/redis'

// The cookie is not Secure (plain http on loopback); keycard warns about that outside development.
process.env.NODE_ENV ||= 'development'

/** A loopback port nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** Whether a Redis server answers PING on the port (a raw RESP exchange: no client needed yet). */
function pings(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.setTimeout(500, () => socket.destroy())
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'))
      socket.destroy()
    })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
  })
}

/** redis-server on a free port with a throwaway directory; `stop()` kills it and removes the directory. */
async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'keycard-example-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], {
    stdio: 'ignore',
  })
  const stop = () => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const failed = new Promise((_, reject) => {
    child.once('error', (err) =>
      reject(err.code === 'ENOENT' ? new Error('redis-server is not installed: install it, or set REDIS_URL') : err),
    )
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)))
  })
  failed.catch(() => {})
  const deadline = Date.now() + 10_000
  while (!(await Promise.race([pings(port), failed]))) {
    if (Date.now() > deadline) {
      stop()
      throw new Error('redis-server did not answer within 10 s')
    }
    await delay(20)
  }
  return { url: `redis://127.0.0.1:${port}`, stop }
}

let ownRedis
if (!process.env.REDIS_URL) {
  try {
    ownRedis = await startRedis()
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
const redisUrl = process.env.REDIS_URL ?? ownRedis.url

// keycard opens its own client for the url (ioredis if installed, else redis), set to fail fast:
// while Redis is down, requests get a 503 within storeTimeout instead of hanging.
const store = redisStore({ url: redisUrl, prefix: 'example:sess:' })
const app = express()
// No secret is passed: keycard reads KEYCARD_SECRET; without one, a random development key (warned about).
app.use(session({ store, storeTimeout: '1s', allowInsecureKey: true, cookie: { secure: false } }))

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  const user = req.session.user
  res.type('html').send(`<!doctype html><meta charset="utf-8"><title>keycard + Redis</title>
<p>Views: <b id="views">${req.session.views}</b>. ${user ? `Logged in as <b id="user">${escapeHtml(user)}</b> <a href="/logout">log out</a>` : '<a href="/login?user=alice">log in as alice</a>'}</p>
<p>Session <code>${req.session.id}</code>: the Redis hash <code>example:sess:${req.session.id}</code>, one field per key.</p>`)
})

// A new session id at login (fixation); in a real app this is a POST with a password and a CSRF token.
app.get('/login', (req, res) => {
  req.session.regenerate({ keepData: true })
  req.session.user = String(req.query.user ?? 'alice')
  res.redirect('/')
})

app.get('/logout', (req, res) => {
  req.session.destroy() // deletes the Redis key: a copy of the cookie opens nothing any more
  res.redirect('/')
})

app.get('/session.json', (req, res) => res.json({ id: req.session.id, data: req.session.toJSON() }))

// A StoreError (Redis down or too slow) carries status 503.
app.use((err, _req, res, _next) => {
  res
    .status(err.status ?? 500)
    .type('text')
    .send(`${err.code ?? 'Error'}: ${err.message}`)
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (err) => {
  if (err) throw err // port taken...: stop with the reason
  console.log(`keycard redis example on http://127.0.0.1:${server.address().port} (Redis: ${redisUrl})`)
})

async function shutdown() {
  server.close()
  server.closeAllConnections()
  await store.close()
  ownRedis?.stop()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
// Whatever else ends the process, its own redis-server goes with it.
process.once('exit', () => ownRedis?.stop())
