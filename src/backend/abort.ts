/** Shared by both backends: settle with the work, or reject as soon as the signal aborts. */

import { createError } from '../errors'

export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(createError('ERR_ABORTED', 'the operation was aborted'))
    // Handlers go on the work first and always, so its own later rejection (an aborted task
    // failing too) is never left unhandled after the race is decided.
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
}
