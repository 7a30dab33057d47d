import { type NextSession, type NextSessions, session } from 'keycard/next'

// keycard/next is typed by the app's one SessionData declaration (session_data.d.ts), like every adapter.
const sessions: NextSessions = session()
const { getSession, fromRequest, toResponse } = sessions

// A server action: read, write, save.
export async function action(form: FormData): Promise<void> {
  const s: NextSession = await getSession()
  s.views = (s.views ?? 0) + 1
  const name: string | undefined = s.user?.name
  // @ts-expect-error views is a number
  s.views = 'many'
  // @ts-expect-error user has an id and a name
  s.user = { id: 1 }
  // @ts-expect-error set checks the declared type too
  s.set('views', String(form.get('views')))
  const saved: Promise<void> = s.save()
  await saved
  void name
}

// proxy.ts: a Request in, the same kind of Response out.
export async function proxy(request: Request): Promise<Response> {
  const s = await fromRequest(request)
  const views: number | undefined = s.views
  // @ts-expect-error toResponse needs a Response
  await toResponse(s, 'ok')
  const kept: Response & { extra?: true } = await toResponse(s, new Response(String(views)))
  return kept
}

// An app's own shape, without the declaration.
const typed = session<{ cart: string[] }>()
export async function cart(): Promise<number> {
  const s = await typed.getSession()
  // @ts-expect-error cart is a list of strings
  s.cart = [1]
  return s.cart?.length ?? 0
}
