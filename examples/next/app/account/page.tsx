// Behind the proxy (proxy.ts): only logged-in visitors get here.
import { getSession } from '../../lib/session'

export default async function Account() {
  const { user } = await getSession()
  return (
    <main>
      <p id="account">Account of {user}</p>
    </main>
  )
}
