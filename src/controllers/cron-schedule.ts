/**
 * Cron schedules as CronJobs take them (robfig/cron's standard parser, which Kubernetes uses): five fields (minute,
 * hour, day of month, month, day of week) of `*`, `?`, numbers, names (jan–dec, sun–sat), ranges `a-b`, steps `/n`
 * and lists; the descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly and `@every <duration>`.
 * When both day fields are restricted a time matching either runs (cron's rule). Times are read in an IANA time zone
 * through Intl, or in the process's local time when none is given.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

interface Field {
  min: number
  max: number
  names?: string[]
  nameBase?: number
}
const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 6, names: DAYS, nameBase: 0 },
]

export type Schedule =
  | { kind: 'cron'; sets: Set<number>[]; domStar: boolean; dowStar: boolean }
  | { kind: 'every'; everyMs: number }

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

/** A Go duration (`1h30m`, `90s`, `500ms`) in ms. */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy
  let total = 0
  let pos = 0
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]!]!
    pos = re.lastIndex
  }
  if (!s || pos !== s.length) throw new Error(`invalid duration "${s}"`)
  return total
}

function parseValue(text: string, f: Field): number {
  const lower = text.toLowerCase()
  if (f.names) {
    const i = f.names.indexOf(lower)
    if (i >= 0) return i + f.nameBase!
  }
  if (!/^\d+$/.test(text)) throw new Error(`failed to parse int from ${text}`)
  return Number(text)
}

function parseField(text: string, f: Field): Set<number> {
  const out = new Set<number>()
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/')
    if (extra !== undefined) throw new Error(`too many slashes: ${part}`)
    let lo: number
    let hi: number
    if (range === '*' || range === '?') {
      lo = f.min
      hi = f.max
    } else {
      const [a, b, more] = range!.split('-')
      if (more !== undefined) throw new Error(`too many hyphens: ${part}`)
      lo = parseValue(a!, f)
      hi = b !== undefined ? parseValue(b, f) : stepText !== undefined ? f.max : lo
    }
    const step = stepText !== undefined ? parseValue(stepText, { min: 0, max: 0 }) : 1
    if (lo < f.min || hi > f.max || lo > hi) throw new Error(`value out of range (${f.min}-${f.max}): ${part}`)
    if (step === 0) throw new Error(`step of range should be a positive number: ${part}`)
    for (let v = lo; v <= hi; v += step) out.add(v)
  }
  return out
}

/** cron.ParseStandard; throws with a message like robfig/cron's. */
export function parseSchedule(spec: string): Schedule {
  const text = spec.trim()
  if (text.startsWith('TZ=') || text.startsWith('CRON_TZ=')) throw new Error('CRON_TZ or TZ used in schedule is not supported, use timeZone instead')
  if (text.startsWith('@every ')) {
    const everyMs = parseDuration(text.slice(7).trim())
    if (everyMs <= 0) throw new Error(`failed to parse duration ${text}`)
    return { kind: 'every', everyMs: Math.max(1000, Math.floor(everyMs / 1000) * 1000) }
  }
  const expanded = text.startsWith('@') ? DESCRIPTORS[text.toLowerCase()] : text
  if (!expanded) throw new Error(`unrecognized descriptor: ${text}`)
  const parts = expanded.split(/\s+/)
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: ${text}`)
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]!))
  return { kind: 'cron', sets, domStar: parts[2]!.startsWith('*') || parts[2] === '?', dowStar: parts[4]!.startsWith('*') || parts[4] === '?' }
}

interface Wall {
  minute: number
  hour: number
  day: number
  month: number
  weekday: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Throws a RangeError for a time zone Intl does not know. */
export function checkTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone })
}

function wallClock(ms: number, timeZone?: string): Wall {
  if (!timeZone) {
    const d = new Date(ms)
    return { minute: d.getMinutes(), hour: d.getHours(), day: d.getDate(), month: d.getMonth() + 1, weekday: d.getDay() }
  }
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
    formatters.set(timeZone, f)
  }
  const parts: Record<string, string> = {}
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value
  return { minute: Number(parts.minute), hour: Number(parts.hour) % 24, day: Number(parts.day), month: Number(parts.month), weekday: DAYS.indexOf(parts.weekday!.toLowerCase()) }
}

const MINUTE = 60_000

/** The first scheduled time strictly after `afterMs` (ms since the epoch), or undefined if none within 5 years. */
export function nextTime(schedule: Schedule, afterMs: number, timeZone?: string): number | undefined {
  if (schedule.kind === 'every') return Math.floor(afterMs / 1000) * 1000 + schedule.everyMs
  const [minutes, hours, doms, months, dows] = schedule.sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>]
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE
  const limit = afterMs + 5 * 366 * 24 * 60 * MINUTE
  while (t <= limit) {
    const w = wallClock(t, timeZone)
    const domOk = doms.has(w.day)
    const dowOk = dows.has(w.weekday)
    const dayOk = schedule.domStar || schedule.dowStar ? domOk && dowOk : domOk || dowOk
    if (!months.has(w.month) || !dayOk) {
      t += ((23 - w.hour) * 60 + (60 - w.minute)) * MINUTE // the next local midnight (near it, across DST)
      continue
    }
    if (!hours.has(w.hour)) {
      t += (60 - w.minute) * MINUTE
      continue
    }
    if (!minutes.has(w.minute)) {
      t += MINUTE
      continue
    }
    return t
  }
  return undefined
}

/**
 * mostRecentScheduleTime: of the times in (earliest, now], the last one and how many there were (counting stops at
 * 101, as upstream warns past 100).
 */
export function mostRecentTime(schedule: Schedule, earliestMs: number, nowMs: number, timeZone?: string): { time?: number; missed: number } {
  if (schedule.kind === 'every') {
    const first = Math.floor(earliestMs / 1000) * 1000 + schedule.everyMs
    if (first > nowMs) return { missed: 0 }
    const n = Math.floor((nowMs - first) / schedule.everyMs)
    return { time: first + n * schedule.everyMs, missed: n + 1 }
  }
  let time: number | undefined
  let missed = 0
  for (let t = nextTime(schedule, earliestMs, timeZone); t !== undefined && t <= nowMs; t = nextTime(schedule, t, timeZone)) {
    time = t
    if (++missed > 100 && schedule.kind === 'cron') {
      // Jump close to now: only the last time matters.
      const probe = nextTime(schedule, nowMs - 366 * 24 * 60 * MINUTE > t ? nowMs - 366 * 24 * 60 * MINUTE : t, timeZone)
      if (probe === undefined) break
      let last = t
      for (let u: number | undefined = probe; u !== undefined && u <= nowMs; u = nextTime(schedule, u, timeZone)) last = u
      return { time: last, missed }
    }
  }
  return { time, missed }
}
