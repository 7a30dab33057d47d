/**
 * argon2id memory reuse. The native core keeps one argon2 arena per libuv pool thread between
 * hashes (wiped after each) instead of mapping fresh memory every time. Whatever a pool thread
 * hashed before, with more or less memory, more lanes or a pepper, a tag must be exactly the one
 * @node-rs/argon2 computes from scratch; the fallback is held to the same oracle.
 */

import { hash as nodeRsHash } from '@node-rs/argon2'
import test from 'ava'
import { hashPasswordWithSalt } from '../src/password'
import { t_ } from './helpers/backends'

/** Parameter sets in an order that grows, shrinks and changes lanes, tag length and pepper. */
const RUNS = [
  { memoryKiB: 256, passes: 1, lanes: 1, tagLength: 32 },
  { memoryKiB: 4096, passes: 2, lanes: 1, tagLength: 32 },
  { memoryKiB: 64, passes: 1, lanes: 1, tagLength: 32, pepper: 'server-side pepper' },
  // Above the 64 MiB the native core keeps per thread: a private arena, then back to the kept one.
  { memoryKiB: 65_600, passes: 1, lanes: 1, tagLength: 32 },
  { memoryKiB: 2048, passes: 1, lanes: 4, tagLength: 64 },
  { memoryKiB: 512, passes: 3, lanes: 2, tagLength: 16 },
  { memoryKiB: 256, passes: 1, lanes: 1, tagLength: 32 },
] as const

test(t_('password arena: tags match @node-rs/argon2 across changing parameters, 8 at a time'), async (t) => {
  for (const [i, run] of RUNS.entries()) {
    // 8 concurrent hashes (2 for the large run): every pool thread gets work at each size.
    await Promise.all(
      Array.from({ length: run.memoryKiB > 65_536 ? 2 : 8 }, async (_, k) => {
        const password = `password ${i}.${k}`
        const salt = Buffer.from(`salt-${i}-${k}-0123456789`.slice(0, 16))
        const ours = await hashPasswordWithSalt(password, salt, { ...run, saltLength: 16 })
        const theirs = await nodeRsHash(password, {
          memoryCost: run.memoryKiB,
          timeCost: run.passes,
          parallelism: run.lanes,
          outputLen: run.tagLength,
          salt,
          ...('pepper' in run ? { secret: Buffer.from(run.pepper) } : {}),
        })
        t.is(ours, theirs, `run ${i}, hash ${k}`)
      }),
    )
  }
})
