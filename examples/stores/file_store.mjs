// A keycard session store in files: one JSON file per session, written atomically (a temporary
// file renamed over the old one), its expiry checked on every read. A complete ServerStore in one
// file, tested by one line: `await testStore(() => fileStore(dir))` (see docs/STORES.md).
//
// One process per directory: `update` must check that the session exists and write it as one
// step, which this store guarantees with a lock per session id inside the process. Processes
// sharing a directory would need a lock file; a database's conditional write is simpler (see the
// SQL version in docs/STORES.md).
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeRecord, encodeRecord } from 'keycard/sessions'

/**
 * Sessions as files in `dir`. `now` is the clock expiry is read from (ms), for tests.
 * @example
 * app.use(session({ store: fileStore('/var/lib/myapp/sessions') }))
 */
export function fileStore(dir, { now = Date.now } = {}) {
  const ready = mkdir(dir, { recursive: true })
  // The id as hex: no id can name a path ('../x'), and ids that differ only in case stay two
  // files on case-insensitive file systems.
  const fileOf = (id) => join(dir, `${Buffer.from(id).toString('hex')}.json`)
  const locks = new Map()
  /** Runs `task` after every earlier task of this id: read-check-write steps never interleave. */
  function locked(id, task) {
    const run = (locks.get(id) ?? Promise.resolve()).then(task)
    const tail = run.catch(() => {})
    locks.set(id, tail)
    tail.then(() => locks.get(id) === tail && locks.delete(id))
    return run
  }
  async function read(id) {
    await ready
    let file
    try {
      file = JSON.parse(await readFile(fileOf(id), 'utf8'))
    } catch (err) {
      if (err.code === 'ENOENT' || err instanceof SyntaxError) return undefined
      throw err
    }
    if (!(file?.expires > now())) {
      await rm(fileOf(id), { force: true }) // expired (or junk): no session, and no file left
      return undefined
    }
    return decodeRecord(file.record) ?? undefined
  }
  async function write(id, session, ttlMs) {
    await ready
    const tmp = join(dir, `.${randomUUID()}.tmp`)
    await writeFile(tmp, JSON.stringify({ expires: now() + ttlMs, record: encodeRecord(session) }))
    await rename(tmp, fileOf(id)) // atomic: a reader sees the old file or the new one
  }
  return {
    kind: 'server',
    get: (id) => locked(id, () => read(id)),
    set: (id, session, ttlMs) => locked(id, () => write(id, session, ttlMs)),
    // Only if the session still exists: a request that loaded it before a logout cannot revive it.
    update: (id, session, ttlMs) =>
      locked(id, async () => {
        if ((await read(id)) === undefined) return false
        await write(id, session, ttlMs)
        return true
      }),
    destroy: (id) => locked(id, async () => rm(fileOf(id), { force: true })),
  }
}
