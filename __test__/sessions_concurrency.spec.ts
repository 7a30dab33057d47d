/**
 * Concurrent requests of one session, for every adapter harness (sessions/harness/; 'hono-request'
 * in process) × store: each request works on its own snapshot, no request sees half of another's
 * write, the last commit wins, and a late commit never brings back a destroyed or replaced
 * session. The rows, and the semantics in full, are in sessions/rows/concurrency.ts.
 */

import { ALL_ADAPTERS } from './helpers/sessions'
import { registerConcurrency } from './sessions/rows'

for (const adapter of ALL_ADAPTERS) registerConcurrency(adapter)
