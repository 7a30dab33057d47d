/**
 * `--profile=<stack id>`: one stack alone, a fixed number of requests under V8's sampling
 * profiler (node:inspector, the profiler `node --cpu-prof` uses, started after set-up and warm-up
 * so the file holds only the measured requests), written as a .cpuprofile for Chrome DevTools or
 * speedscope, and summarised here: where a request's time goes by origin (keycard, the framework,
 * the light-my-request driver, Node's internals, GC), then keycard's own frames as a call tree, in
 * µs per request.
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { dirname, join, sep } from 'node:path'
import { type Stack, timed } from './run'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  hitCount?: number
  children?: number[]
}
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

/** Runs `requests` requests of `stack` under the profiler (sampling every `intervalUs` µs). */
export async function profileStack(
  stack: Stack,
  requests: number,
  intervalUs: number,
): Promise<{ profile: CpuProfile; ns: number }> {
  const session = new Session()
  session.connect()
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs })
    await session.post('Profiler.start')
    const { ns } = await timed(stack, requests)
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile }
    await session.post('Profiler.disable')
    return { profile, ns }
  } finally {
    session.disconnect()
  }
}

export function writeProfile(path: string, profile: CpuProfile): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify(profile))
}

/** Where a frame's code comes from, for the first summary. */
function origin(frame: CallFrame, keycardRoot: string): string {
  const { url, functionName } = frame
  if (functionName === '(garbage collector)') return 'GC'
  if (functionName === '(program)' || functionName === '(idle)' || functionName === '(root)') return 'V8 (program, idle)'
  if (url.includes(keycardRoot) && !url.includes(`${sep}node_modules${sep}`) && !url.includes('/bench/'))
    return 'keycard (with the builtins and addon calls it makes)'
  if (url.includes('light-my-request')) return 'light-my-request (the driver)'
  if (url.includes('/bench/')) return 'the benchmark (routes, jar, checks)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  if (pkg) return `package ${pkg}`
  if (url.startsWith('node:') || url === '' || !url.includes('/')) return 'Node.js internals (and builtins they call)'
  return 'other'
}

function key(frame: CallFrame): string {
  const file = frame.url.split('/').slice(-2).join('/')
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`
}

/**
 * Prints the summary. `perSample` converts samples to µs per request: the profiled run's time per
 * request spread over its samples, scaled to the unprofiled time (`scale`) so the figures add up
 * to what the stack costs without the profiler.
 */
export function summarise(
  profile: CpuProfile,
  requests: number,
  unprofiledUsPerRequest: number,
  keycardRoot: string,
  bare?: { profile: CpuProfile; unprofiledUsPerRequest: number },
): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // V8 names every napi callback of the addon after one of its functions (the same name for all):
  // one called from keycard's native backend is named for what it is instead.
  const label = (n: ProfileNode): string => {
    const from = byId.get(parent.get(n.id) ?? -1)
    const native = n.callFrame.url === '' && !n.callFrame.functionName.startsWith('(') && from?.callFrame.url.includes('/native/')
    return native ? 'native addon call (napi)' : key(n.callFrame)
  }
  const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0)
  const us = (samples: number) => (samples / total) * unprofiledUsPerRequest
  const lines: string[] = []
  const profiledUs = (profile.endTime - profile.startTime) / requests
  lines.push(
    `${total} samples; ${profiledUs.toFixed(1)} µs per request under the profiler, ${unprofiledUsPerRequest.toFixed(1)} µs without:` +
      ' the µs below are shares of the unprofiled time',
  )

  // 1. Self time by origin, beside the bare stack's (same framework and route, no session).
  // A builtin or native function (no url: JSON.parse, the addon's calls) counts for its caller's
  // origin: JSON.parse inside keycard is keycard's time.
  const byOrigin = (p: CpuProfile) => {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]))
    const up = new Map<number, number>()
    for (const n of p.nodes) for (const c of n.children ?? []) up.set(c, n.id)
    const out = new Map<string, number>()
    const all = p.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0)
    for (const n of p.nodes) {
      let at: ProfileNode | undefined = n
      while (at && at.callFrame.url === '' && !at.callFrame.functionName.startsWith('(')) at = nodes.get(up.get(at.id) ?? -1)
      const o = at ? origin(at.callFrame, keycardRoot) : 'Node.js internals (and builtins they call)'
      out.set(o, (out.get(o) ?? 0) + (n.hitCount ?? 0) / all)
    }
    return out
  }
  const mine = byOrigin(profile)
  const floor = bare ? byOrigin(bare.profile) : new Map<string, number>()
  lines.push(
    '',
    bare
      ? 'self time by origin, µs per request: this stack, the bare stack, the difference (what the session adds there)'
      : 'self time by origin, µs per request',
  )
  const origins = [...new Set([...mine.keys(), ...floor.keys()])].sort((a, b) => (mine.get(b) ?? 0) - (mine.get(a) ?? 0))
  for (const o of origins) {
    const here = (mine.get(o) ?? 0) * unprofiledUsPerRequest
    if (!bare) {
      lines.push(`  ${o.padEnd(54)} ${here.toFixed(2).padStart(7)}`)
      continue
    }
    const there = (floor.get(o) ?? 0) * bare.unprofiledUsPerRequest
    lines.push(
      `  ${o.padEnd(54)} ${here.toFixed(2).padStart(7)} ${there.toFixed(2).padStart(7)} ${(here - there).toFixed(2).padStart(7)}`,
    )
  }
  if (bare) {
    const diff = unprofiledUsPerRequest - bare.unprofiledUsPerRequest
    lines.push(
      `  ${'total'.padEnd(54)} ${unprofiledUsPerRequest.toFixed(2).padStart(7)} ${bare.unprofiledUsPerRequest.toFixed(2).padStart(7)} ${diff.toFixed(2).padStart(7)}`,
    )
  }

  // 2. keycard's frames as a tree: entered from outside keycard, merged by function.
  const inclusive = new Map<number, number>()
  const inc = (id: number): number => {
    const known = inclusive.get(id)
    if (known !== undefined) return known
    const n = byId.get(id) as ProfileNode
    const value = (n.hitCount ?? 0) + (n.children ?? []).reduce((sum, c) => sum + inc(c), 0)
    inclusive.set(id, value)
    return value
  }
  for (const n of profile.nodes) inc(n.id)
  const isKeycard = (n: ProfileNode) => origin(n.callFrame, keycardRoot).startsWith('keycard')
  interface Merged {
    total: number
    self: number
    children: Map<string, Merged>
  }
  const merged = (): Merged => ({ total: 0, self: 0, children: new Map() })
  const roots = new Map<string, Merged>()
  const add = (into: Map<string, Merged>, n: ProfileNode, depth: number) => {
    const k = label(n)
    const m = into.get(k) ?? merged()
    into.set(k, m)
    m.total += inclusive.get(n.id) ?? 0
    m.self += n.hitCount ?? 0
    if (depth < 10) for (const c of n.children ?? []) add(m.children, byId.get(c) as ProfileNode, depth + 1)
  }
  for (const n of profile.nodes) {
    if (!isKeycard(n)) continue
    const p = parent.get(n.id)
    if (p !== undefined && isKeycard(byId.get(p) as ProfileNode)) continue
    add(roots, n, 0)
  }
  lines.push('', "keycard's frames (entered from outside keycard), inclusive µs per request (self in brackets); >= 0.05 µs")
  const print = (m: Map<string, Merged>, indent: string) => {
    for (const [k, v] of [...m].sort((a, b) => b[1].total - a[1].total)) {
      if (us(v.total) < 0.05) continue
      lines.push(`${indent}${us(v.total).toFixed(2).padStart(6)} (${us(v.self).toFixed(2)})  ${k}`)
      print(v.children, `${indent}  `)
    }
  }
  print(roots, '  ')

  // 3. The heaviest functions by self time, whatever their origin.
  const self = new Map<string, number>()
  for (const n of profile.nodes) self.set(label(n), (self.get(label(n)) ?? 0) + (n.hitCount ?? 0))
  lines.push('', 'heaviest functions by self time (µs per request)')
  for (const [k, s] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    lines.push(`  ${us(s).toFixed(2).padStart(6)}  ${k}`)
  }
  return lines.join('\n')
}

export function profilePath(resultsDir: string, id: string, backend: string): string {
  return join(resultsDir, 'profiles', `${id}-${backend}.cpuprofile`)
}
