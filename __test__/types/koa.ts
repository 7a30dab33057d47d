import { session } from 'keycard/koa'
import Koa from 'koa'

const app = new Koa()
app.use(session())
app.use(async (ctx) => {
  ctx.session.views = (ctx.session.views ?? 0) + 1
  // @ts-expect-error views is a number
  ctx.session.views = 'many'
  ctx.body = { views: ctx.session.views }
})
