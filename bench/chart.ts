/**
 * SVG bar charts of the session benchmark: one per framework, keycard against that framework's
 * session libraries, the session cost per request above the bare framework (median over the
 * rounds as the bar, p25-p75 as the whisker), the write and the read route.
 *
 * Reads bench/results/sessions-<backend>.json (bench/sessions.ts writes it) and writes
 * bench/charts/<framework>.svg for the native backend, bench/charts/<framework>-<backend>.svg for
 * another. `npm run bench:sessions` calls it at its end; by hand:
 * `node --import tsx bench/chart.ts [--backend=native|fallback|both]`.
 *
 * Deterministic: the same results file gives the same bytes (no clock, no randomness, fixed
 * number formats), so the committed charts change only when the figures do.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The part of a results file the charts read (bench/sessions.ts `Result`). */
interface Spread {
  median: number
  p25: number
  p75: number
}
interface StackRow {
  framework: string
  route: string
  kind: string
  label: string
  above: Spread
}
interface Results {
  backend: string
  date: string
  node: string
  rounds: number
  requests: number
  loadavg: { start: number[] }
  stacks: StackRow[]
}

const WIDTH = 760
const LABEL_X = 12 // labels start here, right-aligned at PLOT_X - 8
const PLOT_X = 280
const PLOT_W = 400
const ROW_H = 24
const BAR_H = 14
const COLORS = { keycard: '#0b5cad', peer: '#8c959f' } as const
const ROUTE_TITLES: Record<string, string> = {
  write: 'write route: load the session, views + 1, commit',
  read: 'read route: load the session, read views',
}

const xml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
const fixed = (x: number) => (Math.round(x * 10) / 10).toFixed(1)
/** An axis tick: whole numbers without decimals. */
const tick = (x: number) => (Number.isInteger(x) ? String(x) : fixed(x))

/** The smallest 1, 2 or 5 × 10^k at or above `x` (axis ends on round numbers). */
function niceCeil(x: number): number {
  if (x <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(x))
  for (const step of [1, 2, 5, 10]) if (step * power >= x) return step * power
  return 10 * power
}

/**
 * The axis end: the largest p75 (or median) not more than 4 times keycard's largest p75. A peer
 * far slower than that (iron-session, hono-sessions: ~2 ms) would flatten every other bar, so its
 * bar runs off the edge with its figure written in.
 */
function axisMax(rows: readonly StackRow[]): number {
  const keycard = Math.max(...rows.filter((r) => r.kind === 'keycard').map((r) => r.above.p75), 1)
  const limit = 4 * keycard
  const inRange = rows.flatMap((r) => [r.above.median, r.above.p75]).filter((v) => v <= limit)
  return niceCeil(Math.max(...inRange, 1))
}

/**
 * One framework's chart as SVG text.
 * @example
 * const svg = frameworkChart(JSON.parse(readFileSync('bench/results/sessions-native.json', 'utf8')), 'express')
 */
export function frameworkChart(results: Results, framework: string): string {
  const rows = results.stacks.filter((s) => s.framework === framework && s.kind !== 'bare')
  const routes = ['write', 'read'].filter((route) => rows.some((r) => r.route === route))
  const max = axisMax(rows)
  const x = (v: number) => PLOT_X + (Math.min(Math.max(v, 0), max) / max) * PLOT_W
  const out: string[] = []
  let y = 84
  const ticks = Array.from({ length: 6 }, (_, i) => (max * i) / 5)
  const top = y
  for (const route of routes) {
    out.push(`<text x="${LABEL_X}" y="${y + 14}" class="route">${xml(ROUTE_TITLES[route] ?? route)}</text>`)
    y += 24
    // keycard first, then peers; each group in the order the bench ran them.
    const group = rows
      .filter((r) => r.route === route)
      .sort((a, b) => Number(b.kind === 'keycard') - Number(a.kind === 'keycard'))
    for (const r of group) {
      const { median, p25, p75 } = r.above
      const color = r.kind === 'keycard' ? COLORS.keycard : COLORS.peer
      const barY = y + (ROW_H - BAR_H) / 2
      const off = median > max
      out.push(`<text x="${PLOT_X - 8}" y="${y + 16}" text-anchor="end">${xml(r.label)}</text>`)
      out.push(
        `<rect x="${PLOT_X}" y="${barY}" width="${fixed(x(median) - PLOT_X)}" height="${BAR_H}" fill="${color}"><title>${xml(
          `${r.label}: median ${fixed(median)} µs, p25-p75 ${fixed(p25)}-${fixed(p75)} µs`,
        )}</title></rect>`,
      )
      if (off) {
        // Off the scale: a break mark near the end, and the figure inside the bar.
        const bx = PLOT_X + PLOT_W - 24
        out.push(
          `<path d="M${bx} ${barY - 2} l6 ${BAR_H + 4} M${bx + 6} ${barY - 2} l6 ${BAR_H + 4}" stroke="#fff" stroke-width="3"/>`,
        )
        out.push(`<text x="${bx - 6}" y="${y + 16}" text-anchor="end" fill="#fff">${fixed(median)} µs (off scale)</text>`)
      } else {
        const wy = y + ROW_H / 2
        const [a, b] = [x(p25), x(p75)]
        out.push(
          `<path d="M${fixed(a)} ${wy} H${fixed(b)} M${fixed(a)} ${wy - 5} v10 M${fixed(b)} ${wy - 5} v10" stroke="#1b1f24" stroke-width="1.2"/>`,
        )
        out.push(`<text x="${fixed(Math.max(x(median), b) + 6)}" y="${y + 16}">${fixed(median)}</text>`)
      }
      y += ROW_H
    }
    y += 8
  }
  const grid = ticks.map(
    (t) =>
      `<line x1="${fixed(x(t))}" y1="${top}" x2="${fixed(x(t))}" y2="${y}" stroke="#d0d7de"/><text x="${fixed(x(t))}" y="${y + 14}" text-anchor="middle" class="small">${tick(t)}</text>`,
  )
  const height = y + 56
  const title = `${framework}: session cost per request above bare ${framework}, µs (lower is better)`
  const load = results.loadavg.start.map((l) => l.toFixed(2)).join(' ')
  const note = `keycard on its ${results.backend} backend; bar: median of ${results.rounds} rounds of ${results.requests} requests, whisker: p25-p75`
  const run = `${results.date.slice(0, 10)}, Node ${results.node}, load average ${load} at the start${
    rows.some((r) => r.above.median < 0) ? '; below zero: noise (the bare app measured slower)' : ''
  }`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="t d">
<title id="t">${xml(title)}</title>
<desc id="d">${xml(
    rows
      .map(
        (r) => `${r.route} ${r.label}: median ${fixed(r.above.median)} µs, p25-p75 ${fixed(r.above.p25)}-${fixed(r.above.p75)}`,
      )
      .join('; '),
  )}</desc>
<style>text{font:12px system-ui,sans-serif;fill:#1b1f24}.title{font-size:15px;font-weight:600}.route{font-weight:600}.small{font-size:11px;fill:#57606a}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${LABEL_X}" y="24" class="title">${xml(title)}</text>
<text x="${LABEL_X}" y="42" class="small">${xml(note)}</text>
<text x="${LABEL_X}" y="57" class="small">${xml(run)}</text>
<rect x="${LABEL_X}" y="64" width="10" height="10" fill="${COLORS.keycard}"/><text x="${LABEL_X + 14}" y="73" class="small">keycard</text>
<rect x="${LABEL_X + 70}" y="64" width="10" height="10" fill="${COLORS.peer}"/><text x="${LABEL_X + 84}" y="73" class="small">other libraries</text>
${grid.join('\n')}
${out.join('\n')}
<line x1="${PLOT_X}" y1="${top}" x2="${PLOT_X}" y2="${y}" stroke="#1b1f24"/>
<text x="${PLOT_X + PLOT_W / 2}" y="${y + 32}" text-anchor="middle" class="small">µs per request above the bare framework</text>
</svg>
`
}

/**
 * Writes one chart per framework of `bench/results/sessions-<backend>.json` into bench/charts/
 * and returns the paths written (none when the results file does not exist).
 * @example
 * writeCharts('native') // ['bench/charts/node.svg', 'bench/charts/express.svg', ...]
 */
export function writeCharts(backend: string, dir = __dirname): string[] {
  const file = join(dir, 'results', `sessions-${backend}.json`)
  if (!existsSync(file)) return []
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results
  const out = join(dir, 'charts')
  mkdirSync(out, { recursive: true })
  const frameworks = [...new Set(results.stacks.map((s) => s.framework))]
  return frameworks.map((framework) => {
    const path = join(out, backend === 'native' ? `${framework}.svg` : `${framework}-${backend}.svg`)
    writeFileSync(path, frameworkChart(results, framework))
    return path
  })
}

/**
 * Writes the charts of `backend` ('both': native and fallback) and says what it wrote; what
 * bench/sessions.ts calls once its runs are done.
 * @example
 * chartsOf('both') // prints "charts: bench/charts/node.svg, ..." per backend
 */
export function chartsOf(backend: string): void {
  for (const b of backend === 'both' ? ['native', 'fallback'] : [backend]) {
    if (!/^(native|fallback)$/.test(b)) throw new Error(`--backend must be native, fallback or both, not ${b}`)
    const written = writeCharts(b)
    console.log(
      written.length === 0
        ? `no bench/results/sessions-${b}.json: run npm run bench:sessions first`
        : `charts: ${written.join(', ')}`,
    )
  }
}

if (require.main === module)
  chartsOf(process.argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length) ?? 'native')
