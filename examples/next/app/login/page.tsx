import { login } from './actions'

export default function Login() {
  return (
    <main>
      <form action={login}>
        <label>
          Name <input name="user" required />
        </label>
        <button type="submit">Log in</button>
      </form>
    </main>
  )
}
