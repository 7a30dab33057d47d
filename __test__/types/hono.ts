import { Hono } from 'hono'
import { session } from 'keycard/hono'

const app = new Hono()
app.use(session())
app.get('/', (c) => {
  const s = c.get('session')
  s.views = (s.views ?? 0) + 1
  // @ts-expect-error views is a number
  s.views = 'many'
  return c.json({ views: s.views })
})
