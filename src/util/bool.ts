/**
 * Parses a query-string boolean the way Go's strconv.ParseBool does: the Python client sends `watch=True`.
 * Absent → `fallback`; anything else unknown → undefined so the caller can answer 400.
 */
export function parseBool(value: string | undefined, fallback = false): boolean | undefined {
  if (value === undefined) return fallback
  switch (value) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True': return true
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False': case '': return false
    default: return undefined
  }
}
