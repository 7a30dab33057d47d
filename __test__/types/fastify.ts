import Fastify from 'fastify'
import { session } from 'keycard/fastify'

const app = Fastify()
void app.register(session)
app.get('/', async (request) => {
  request.session.views = (request.session.views ?? 0) + 1
  // @ts-expect-error views is a number
  request.session.views = 'many'
  const user: { id: string; name: string } | undefined = request.session.user
  return { views: request.session.views, user }
})
