import express from 'express'
import { session } from 'keycard/express'

const app = express()
app.use(session())
app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1 // the README's line, in strict mode
  const views: number | undefined = req.session.views
  const name: string | undefined = req.session.user?.name
  // @ts-expect-error views is a number
  req.session.views = 'many'
  // @ts-expect-error user has an id and a name
  req.session.user = { id: 1 }
  req.session.set('views', 2)
  // @ts-expect-error set checks the declared type too
  req.session.set('views', '2')
  const other: unknown = req.session.somethingUndeclared // undeclared keys stay unknown
  res.send(`${views} ${name} ${String(other)}`)
})
