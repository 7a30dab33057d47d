// What not to do (2): change the session in a route handler (or a server action) and return
// without `await s.save()`. Nothing runs after the handler returns, so the change is lost; keycard
// reports it on stderr (KEYCARD_UNSAVED_SESSION) once the response is done.
import { getSession } from '../../../lib/session'

export async function POST(): Promise<Response> {
  const s = await getSession()
  s.user = 'mallory'
  return new Response('changed, not saved')
}
