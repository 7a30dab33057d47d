/**
 * keycard/express: the session behaviour table (sessions/rows/, `registerAll`) for cookieStore()
 * and memoryStore(), over real HTTP through its harness (sessions/harness/express.ts), on the
 * backend of this run.
 */
import { registerAll } from './sessions/rows'

registerAll('express')
