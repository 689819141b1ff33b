/** One measured point of the hit-latency chart (µs). */
export interface HitLatencyPoint {
  users: number
  obo_p50: number
  obo_p99: number
  msal_p50?: number
}

/** A hand-written SVG line chart of cache-hit latency against cached users, log-log axes. */
export function renderHitLatencyChart(points: HitLatencyPoint[]): string {
  const W = 800
  const H = 420
  const left = 70
  const right = 210
  const top = 50
  const bottom = 60
  const xMax = 100_000
  const yMin = 0.1
  const yMax = 1_000_000
  const x = (users: number) =>
    left + (Math.log10(Math.max(users, 1)) / Math.log10(xMax)) * (W - left - right)
  const y = (us: number) =>
    top +
    (1 -
      (Math.log10(Math.max(us, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) *
      (H - top - bottom)
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
  )
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`)
  parts.push(
    `<text x="${left}" y="22" font-size="15" font-weight="600">Token cache hit latency vs cached users (log-log)</text>`,
  )
  for (let e = -1; e <= 6; e++) {
    const v = 10 ** e
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`)
    parts.push(
      `<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v >= 1_000_000 ? `${v / 1_000_000} s` : v >= 1000 ? `${v / 1000} ms` : `${v} µs`}</text>`,
    )
  }
  for (const u of [1, 10, 100, 1000, 10_000, 100_000]) {
    parts.push(`<line x1="${x(u)}" x2="${x(u)}" y1="${top}" y2="${H - bottom}" stroke="#eee"/>`)
    parts.push(
      `<text x="${x(u)}" y="${H - bottom + 18}" text-anchor="middle" fill="#555">${u.toLocaleString('en-US')}</text>`,
    )
  }
  parts.push(
    `<text x="${(left + W - right) / 2}" y="${H - 18}" text-anchor="middle">cached users</text>`,
  )
  parts.push(
    `<line x1="${left}" x2="${W - right}" y1="${y(50)}" y2="${y(50)}" stroke="#d33" stroke-dasharray="4 4"/>`,
  )
  parts.push(`<text x="${W - right + 6}" y="${y(50) + 4}" fill="#d33">target p99 ≤ 50 µs</text>`)
  const series = [
    {
      name: 'msal-node shared app, p50',
      color: '#c2410c',
      pts: points
        .filter((p) => p.msal_p50 !== undefined)
        .map((p) => [p.users, p.msal_p50!] as const),
    },
    {
      name: 'obo-core, p99',
      color: '#1d4ed8',
      pts: points.map((p) => [p.users, p.obo_p99] as const),
    },
    {
      name: 'obo-core, p50',
      color: '#60a5fa',
      pts: points.map((p) => [p.users, p.obo_p50] as const),
    },
  ]
  series.forEach((s, idx) => {
    if (s.pts.length === 0) return
    const d = s.pts
      .map(([u, v], i) => `${i ? 'L' : 'M'}${x(u).toFixed(1)},${y(v).toFixed(1)}`)
      .join(' ')
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`)
    for (const [u, v] of s.pts) {
      parts.push(
        `<circle cx="${x(u).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${s.color}"><title>${s.name}: ${u} users, ${v} µs</title></circle>`,
      )
      const dy = s.name.endsWith('p50') && !s.name.startsWith('msal') ? 16 : -7
      parts.push(
        `<text x="${(x(u) + 6).toFixed(1)}" y="${(y(v) + dy).toFixed(1)}" fill="${s.color}" font-size="10">${v >= 1000 ? `${(v / 1000).toFixed(1)} ms` : `${v} µs`}</text>`,
      )
    }
    const ly = top + 30 + idx * 20
    parts.push(
      `<line x1="${W - right + 6}" x2="${W - right + 26}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"/>`,
    )
    parts.push(`<text x="${W - right + 30}" y="${ly + 4}">${s.name}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
