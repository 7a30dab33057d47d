/**
 * At most `size` tasks at once, the rest queued in order. The native backend runs argon2 on the
 * libuv pool, which fs and dns share (4 threads by default): capping hashes at the core count
 * leaves those threads for I/O, and costs no throughput, since argon2 is CPU-bound (measured on
 * 2 cores: 108-114 hashes/s capped at 2, 97-112 uncapped).
 * @example
 * const hashing = limiter(Math.min(4, availableParallelism()))
 * const matches = await hashing(() => binding.bcryptVerify(stored, password))
 */
export function limiter(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: (() => void)[] = []
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const run = () => {
        active++
        task()
          .then(resolve, reject)
          .finally(() => {
            active--
            waiting.shift()?.()
          })
      }
      if (active < size) run()
      else waiting.push(run)
    })
}
