// The app's sessions, made once: every server action, route handler, server component and the
// proxy import them from here. Sealed into the cookie (the default store), under KEYCARD_SECRET,
// which the proxy and the pages share.
import { session } from 'keycard/next'

export const { getSession, fromRequest, toResponse } = session<{ user?: string }>()
