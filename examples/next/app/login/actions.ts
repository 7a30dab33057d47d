'use server'

import { redirect } from 'next/navigation'
import { getSession } from '../../lib/session'

// A server action: changes the session, then saves it (Next runs nothing after an action returns,
// so `save()` is what sets the cookie; a change never saved is reported on stderr).
export async function login(form: FormData): Promise<void> {
  const user = String(form.get('user') ?? '').trim()
  if (user === '') redirect('/login')
  const s = await getSession()
  s.regenerate() // a new session id at login (session fixation)
  s.user = user
  await s.save()
  redirect('/')
}
