import { badRequest } from '../../errors/api-error.ts'

/**
 * The opaque `continue` token of a paged LIST: the snapshot revision and the key to resume from
 * (relative to the listed prefix), like apiserver's storage.EncodeContinue.
 */
export interface ContinueToken {
  revision: number
  start: string
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.revision, start: token.start })).toString('base64url')
}

export function decodeContinue(value: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
    if (parsed?.v !== 'meta.k8s.io/v1' || !Number.isInteger(parsed.rv) || parsed.rv <= 0 || typeof parsed.start !== 'string' || parsed.start.includes('..'))
      throw new Error('bad token')
    return { revision: parsed.rv, start: parsed.start }
  } catch {
    throw badRequest(`continue key is not valid: ${value}`)
  }
}
