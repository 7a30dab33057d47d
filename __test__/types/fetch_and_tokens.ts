import { signToken, verifyToken, verifyTokenOrThrow } from 'keycard'
import { session } from 'keycard/fetch'

const sessions = session()
export async function handle(request: Request): Promise<Response> {
  const s = await sessions.load(request)
  s.views = (s.views ?? 0) + 1
  // @ts-expect-error views is a number
  s.views = 'many'
  s.flash<string>('info', 'saved')
  const messages: string[] = s.flash<string>('info')
  // @ts-expect-error a flash of strings holds no numbers
  s.flash<string>('info', 42)
  return sessions.commit(s, new Response(messages.join()))
}

interface Claims {
  uid: number
  role: 'admin' | 'user'
}
const token = signToken({ uid: 42, role: 'admin' }, 'a-secret-that-is-long-enough-0123456789')
const claims = verifyToken<Claims>(token, 'a-secret-that-is-long-enough-0123456789')
const uid: number | undefined = claims?.uid
const exp: number | undefined = claims?.exp
// @ts-expect-error role is a union of two strings
const bad: 'owner' | undefined = claims?.role
const sure: Claims = verifyTokenOrThrow<Claims>(token, 'a-secret-that-is-long-enough-0123456789')

export { bad, exp, sure, uid }
