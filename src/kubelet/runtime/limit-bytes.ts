import { Transform, type Readable, type TransformCallback } from 'node:stream'

/**
 * The first `limit` bytes of a stream (`kubectl logs --limit-bytes`), then the end; the source is destroyed
 * once the limit is reached, so a followed log stops being read. Without a limit the source itself is returned.
 */
export function limitBytes(source: Readable, limit: number | undefined): Readable {
  if (limit === undefined || !(limit >= 0)) return source
  let left = limit
  const out = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (left <= 0) return done()
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk
      left -= part.length
      this.push(part)
      if (left <= 0) {
        this.push(null)
        source.unpipe(out)
        source.destroy()
      }
      done()
    },
  })
  source.on('error', (err) => out.destroy(err))
  out.on('close', () => source.destroy())
  if (left === 0) {
    out.end()
    source.destroy()
    return out
  }
  return source.pipe(out)
}
