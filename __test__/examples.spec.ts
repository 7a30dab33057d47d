import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import test from 'ava'
import { t_ } from './helpers/backends'

const root = join(__dirname, '..')

test(t_('examples: the demo runs and shows real results on this backend'), (t) => {
  const out = execFileSync(process.execPath, [join(root, 'examples', 'demo.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: process.env,
  })
  t.regex(out, new RegExp(`keycard backend: ${process.env.KEYCARD_BACKEND ?? 'native'}`))
  t.regex(out, /unsign \(right cookie\) user-42/)
  t.regex(out, /unsign \(other cookie\) null/)
  t.regex(out, /unsign \(tampered\) +null/)
  t.regex(out, /verifyToken \(wrong aud\) null/)
  t.regex(out, /unseal +\{"uid":42,"cart":\[\{"sku":"A-1","qty":2\}\]\}/)
  t.regex(out, /unseal \(other cookie\) null/)
  const [, length, predicted] = /\((\d+) chars; sealedLength says (\d+)\)/.exec(out) ?? []
  t.is(length, predicted)
  t.regex(out, /verify \(same session\) +true/)
  t.regex(out, /verify \(other session\) false/)
  t.regex(out, /password hash +\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  t.regex(out, /verify \(right\) +true/)
  t.regex(out, /verify \(wrong\) +false/)
})
