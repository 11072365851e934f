import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mostRecentTime, nextTime, parseDuration, parseSchedule } from '../../../src/controllers/cron-schedule.ts'

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())
const next = (spec: string, from: string, tz = 'UTC') => iso(nextTime(parseSchedule(spec), at(from), tz))

describe('cron schedule', () => {
  it('parses fields, names, ranges, steps and lists', () => {
    assert.equal(next('*/15 * * * *', '2024-01-01T00:07:00Z'), '2024-01-01T00:15:00.000Z')
    assert.equal(next('0 9-17/4 * * mon-fri', '2024-01-06T00:00:00Z'), '2024-01-08T09:00:00.000Z') // Saturday → Monday
    assert.equal(next('5,10 * * * *', '2024-01-01T00:05:00Z'), '2024-01-01T00:10:00.000Z')
    assert.equal(next('0 0 1 jan *', '2024-03-01T00:00:00Z'), '2025-01-01T00:00:00.000Z')
    assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z')
  })

  it('runs when either restricted day field matches (cron OR rule)', () => {
    // The 15th, or any Monday: Monday 2024-01-08 comes first.
    assert.equal(next('0 0 15 * mon', '2024-01-02T00:00:00Z'), '2024-01-08T00:00:00.000Z')
    // With day of week `*`, only the 15th.
    assert.equal(next('0 0 15 * *', '2024-01-02T00:00:00Z'), '2024-01-15T00:00:00.000Z')
  })

  it('supports the descriptors and @every', () => {
    assert.equal(next('@hourly', '2024-01-01T00:00:00Z'), '2024-01-01T01:00:00.000Z')
    assert.equal(next('@daily', '2024-01-01T10:00:00Z'), '2024-01-02T00:00:00.000Z')
    assert.equal(next('@weekly', '2024-01-01T10:00:00Z'), '2024-01-07T00:00:00.000Z')
    assert.equal(next('@monthly', '2024-01-01T10:00:00Z'), '2024-02-01T00:00:00.000Z')
    assert.equal(next('@yearly', '2024-01-01T10:00:00Z'), '2025-01-01T00:00:00.000Z')
    assert.equal(next('@every 1h30m', '2024-01-01T00:00:00Z'), '2024-01-01T01:30:00.000Z')
    assert.equal(parseDuration('1m30s'), 90_000)
  })

  it('reads times in an IANA time zone', () => {
    // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
    assert.equal(next('0 9 * * *', '2024-01-10T00:00:00Z', 'America/New_York'), '2024-01-10T14:00:00.000Z')
    assert.equal(next('0 9 * * *', '2024-07-10T00:00:00Z', 'America/New_York'), '2024-07-10T13:00:00.000Z')
    assert.equal(next('30 0 * * *', '2024-01-10T00:00:00Z', 'Asia/Kolkata'), '2024-01-10T19:00:00.000Z')
  })

  it('rejects invalid schedules', () => {
    for (const bad of ['* * * *', '0 0 * * 7', '60 * * * *', '* 24 * * *', '* * 0 * *', 'TZ=UTC * * * * *', '*/0 * * * *', '@often', 'x * * * *'])
      assert.throws(() => parseSchedule(bad), bad)
  })

  it('finds the most recent missed time', () => {
    const s = parseSchedule('*/5 * * * *')
    const r = mostRecentTime(s, at('2024-01-01T00:00:00Z'), at('2024-01-01T00:17:00Z'), 'UTC')
    assert.equal(iso(r.time), '2024-01-01T00:15:00.000Z')
    assert.equal(r.missed, 3)
    assert.deepEqual(mostRecentTime(s, at('2024-01-01T00:00:00Z'), at('2024-01-01T00:04:00Z'), 'UTC'), { time: undefined, missed: 0 })
    const many = mostRecentTime(parseSchedule('* * * * *'), at('2024-01-01T00:00:00Z'), at('2024-01-03T00:00:30Z'), 'UTC')
    assert.equal(iso(many.time), '2024-01-03T00:00:00.000Z')
    assert.ok(many.missed > 100)
  })
})
