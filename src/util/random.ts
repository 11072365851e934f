import { randomBytes, randomUUID } from 'node:crypto'

/** The alphabet of generateName suffixes: no vowels, no look-alikes (apimachinery/pkg/util/rand). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789'

export function randomSuffix(length = 5): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const b of bytes) out += ALPHANUMS[b % ALPHANUMS.length]
  return out
}

export const newUid = (): string => randomUUID()
