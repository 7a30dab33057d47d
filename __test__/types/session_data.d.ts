// The declaration an app writes once, exactly as the README shows it (an interface, not a type).
import 'keycard/sessions'

declare module 'keycard/sessions' {
  interface SessionData {
    views: number
    user?: { id: string; name: string }
  }
}
