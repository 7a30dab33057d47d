// What not to do (1): change the session while a server component renders. Next forbids setting
// cookies there, so keycard refuses the change at once and says why (shown on this page).
import { getSession } from '../../lib/session'

export default async function ChangeWhileRendering() {
  const s = await getSession()
  try {
    s.user = 'mallory'
    await s.save()
    return <p id="error">saved (unexpected)</p>
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string }
    return (
      <p id="error">
        {code}: {message}
      </p>
    )
  }
}
