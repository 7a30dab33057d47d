/**
 * `process` for the Web Crypto bundles (scripts/web-bundle.mjs injects it where the session code
 * names `process`): the runtime's own where it has one (the Edge runtime, workerd with
 * nodejs_compat), else a stand-in with an empty env, warnings to console.warn and nextTick on
 * queueMicrotask, so that reading NODE_ENV or warning never throws a ReferenceError in a worker.
 */

type Callback = (...args: unknown[]) => void

interface ProcessLike {
  env: Record<string, string | undefined>
  emitWarning(warning: string, options?: unknown): void
  nextTick(callback: Callback, ...args: unknown[]): void
}

const found = (globalThis as { process?: Partial<ProcessLike> }).process

/**
 * The process object the session code reads.
 * @example
 * process.env.NODE_ENV // undefined in a worker without nodejs_compat
 */
export const process: ProcessLike = {
  env: found?.env ?? {},
  emitWarning:
    typeof found?.emitWarning === 'function'
      ? found.emitWarning.bind(found)
      : (warning: string) => {
          console.warn(warning)
        },
  nextTick:
    typeof found?.nextTick === 'function'
      ? found.nextTick.bind(found)
      : (callback: Callback, ...args: unknown[]) => {
          queueMicrotask(() => callback(...args))
        },
}
