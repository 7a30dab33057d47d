import { backend } from 'keycard'
import type { ReactNode } from 'react'

export const metadata = { title: 'keycard + Next.js' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        {children}
        <footer>
          keycard backend: <span id="backend">{backend().name}</span>
        </footer>
      </body>
    </html>
  )
}
