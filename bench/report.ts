/**
 * What every benchmark here shares: registering mitata benches by group, reading the averages
 * back in registration order, and printing times and ratios the same way.
 */

import assert from 'node:assert/strict'
import { bench, run } from 'mitata'

export interface Row {
  group: string
  name: string
}

/** Registers benches and remembers their group, so results can be mapped back after `run()`. */
export function createRows() {
  const rows: Row[] = []
  const row = (group: string, name: string, fn: () => unknown): void => {
    rows.push({ group, name })
    bench(name, fn)
  }
  /** Runs mitata and returns `get(group, name)`: the average ns per op of that bench. */
  const measure = async (): Promise<(group: string, name: string) => number> => {
    const { benchmarks } = await run()
    assert.equal(benchmarks.length, rows.length, 'one result per registered bench')
    const avg = new Map<string, number>()
    benchmarks.forEach((trial, i) => {
      const meta = rows[i] as Row
      assert.equal(trial.alias, meta.name, 'results come back in registration order')
      const stats = trial.runs[0]?.stats
      if (!stats) throw new Error(`${meta.group} / ${meta.name} failed: ${String(trial.runs[0]?.error)}`)
      avg.set(`${meta.group}/${meta.name}`, stats.avg)
    })
    return (group, name) => avg.get(`${group}/${name}`) as number
  }
  return { rows, row, measure }
}

export function fmt(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`
  return `${ns.toFixed(1)} ns`
}

export function ratioText(ratio: number): string {
  return ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`
}
