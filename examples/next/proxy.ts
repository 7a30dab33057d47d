// Next 16's proxy (middleware.ts before): runs on the Node.js runtime (Next 16's default) before
// /account, and sends logged-out visitors to /login.
import { type NextRequest, NextResponse } from 'next/server'
import { fromRequest, toResponse } from './lib/session'

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const s = await fromRequest(request)
  // toResponse adds the Set-Cookie lines the session needs: clearing a refused (tampered or
  // expired) cookie on the redirect, a rolling session's renewed cookie on the way through.
  if (!s.user) return toResponse(s, NextResponse.redirect(new URL('/login', request.url)))
  return toResponse(s, NextResponse.next())
}

export const config = { matcher: ['/account/:path*'] }
