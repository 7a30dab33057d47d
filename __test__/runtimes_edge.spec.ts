/**
 * keycard in the Vercel Edge runtime (the `edge-runtime` package, the VM Next.js middleware runs
 * in), bundled with the `edge-light`, `worker` and `browser` conditions. Interop both ways against
 * Node on both backends, as in runtimes_workerd.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { t_ } from './helpers/backends'
import { findModule, requires } from './helpers/requires'
import { bundleWorker, type Call, checkBundle, encodeCall, nodeToRuntime, type Reply, runtimeToNode } from './helpers/runtimes'

const test = requires('edge-runtime', findModule('edge-runtime'))

type Vm = { evaluate<T>(code: string): T }
let vm: Vm | undefined
let code = ''

test.before(async () => {
  if (!existsSync(resolve(__dirname, '../dist/web/index.mjs')))
    throw new Error('dist/web/index.mjs missing: run npm run build:ts')
  code = await bundleWorker(['edge-light', 'worker', 'browser'], 'iife')
  const { EdgeRuntime } = (await import('edge-runtime')) as unknown as { EdgeRuntime: new () => Vm }
  vm = new EdgeRuntime()
  vm.evaluate(code)
})

const call: Call = async (fn, args) => {
  const text = await (vm as Vm).evaluate<Promise<string>>(`globalThis.__keycardCall(${JSON.stringify(encodeCall(fn, args))})`)
  return JSON.parse(text) as Reply
}

test.serial(t_('edge runtime: the bundle resolves the Web Crypto entry, free of the native loader and Node built-ins'), (t) => {
  checkBundle(t, code)
})

test.serial(t_('edge runtime: what Node makes (both backends) opens there, refusals keep their codes'), async (t) => {
  await nodeToRuntime(t, call)
})

test.serial(t_('edge runtime: what it makes opens on Node (both backends), byte-identical where deterministic'), async (t) => {
  await runtimeToNode(t, call)
})
