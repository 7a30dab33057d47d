// A route handler: ends the session (its cookie is cleared) and goes home.
import { getSession } from '../../../lib/session'

export async function POST(): Promise<Response> {
  const s = await getSession()
  s.destroy()
  await s.save()
  return new Response(null, { status: 303, headers: { location: '/' } })
}
