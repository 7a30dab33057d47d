/**
 * keycard/express over real HTTP: the session behaviour table (helpers/session_behaviours.ts) for
 * cookieStore() and memoryStore(), on the backend of this run.
 */
import { registerSessionBehaviours } from './helpers/session_behaviours'

registerSessionBehaviours('express')
