import { isDeepStrictEqual } from 'node:util'

/** Structural equality of two JSON values. */
export const jsonEqual = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b)
