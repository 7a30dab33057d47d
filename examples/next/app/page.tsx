// A server component: reads the session (a server component cannot change it).
import Link from 'next/link'
import { getSession } from '../lib/session'

export default async function Home() {
  const { user } = await getSession()
  if (!user) {
    return (
      <main>
        <p id="status">Logged out</p>
        <Link href="/login">Log in</Link>
      </main>
    )
  }
  return (
    <main>
      <p id="status">
        Logged in as <b id="user">{user}</b>
      </p>
      <Link href="/account">Your account</Link>
      <form method="post" action="/api/logout">
        <button type="submit">Log out</button>
      </form>
    </main>
  )
}
