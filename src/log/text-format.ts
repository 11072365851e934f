import { Writable } from 'node:stream'

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }

/**
 * A pino destination that prints each JSON log line as one readable line for a terminal:
 * `15:04:05 INFO  kubelet node registered node=vm`. In-process (no transport worker threads).
 */
export function textDestination(out: NodeJS.WritableStream = process.stderr): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue
        try {
          const { level, time, msg, component, controller, err, ...rest } = JSON.parse(line)
          const when = typeof time === 'string' ? time.slice(11, 19) : new Date(time ?? Date.now()).toISOString().slice(11, 19)
          const who = component ?? controller ?? ''
          const fields = Object.entries(err ? { ...rest, err: err.message ?? err } : rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ')
          out.write(`${when} ${(LEVELS[level] ?? String(level)).padEnd(5)} ${who ? who + ' ' : ''}${msg ?? ''}${fields ? ' ' + fields : ''}\n`)
        } catch {
          out.write(line + '\n')
        }
      }
      done()
    },
  })
}
