/**
 * Field selectors, as apimachinery's pkg/fields/selector.go parses and matches them:
 * `a=b`, `a==b`, `a!=b`, `,` meaning AND, with `\,` `\=` `\\` escapes in values. Pure: no I/O.
 */
import { badRequest } from '../../errors/api-error.ts'

export interface FieldRequirement {
  field: string
  operator: '=' | '==' | '!='
  /** Unescaped. */
  value: string
}

/** The fields every kind may be selected by (runtime.DefaultMetaV1FieldSelectorConversion). */
export const DEFAULT_SELECTABLE_FIELDS: ReadonlySet<string> = new Set(['metadata.name', 'metadata.namespace'])

/** fields.EscapeValue: `\` → `\\`, `,` → `\,`, `=` → `\=`. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c)
}

/** fields.UnescapeValue; throws the messages Go's InvalidEscapeSequence / UnescapedRune give. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s
  let out = ''
  let inSlash = false
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c
      else throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`)
      inSlash = false
      continue
    }
    if (c === '\\') inSlash = true
    // Go prints the rune with %v: its code point.
    else if (c === ',' || c === '=') throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`)
    else out += c
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\')
  return out
}

/** splitTerms: split on commas that are not escaped. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return []
  const terms: string[] = []
  let start = 0
  let inSlash = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (inSlash) inSlash = false
    else if (c === '\\') inSlash = true
    else if (c === ',') {
      terms.push(s.slice(start, i))
      start = i + 1
    }
  }
  terms.push(s.slice(start))
  return terms
}

const termOperators = ['!=', '==', '='] as const

/** splitTerm: the first position where an operator starts (`!=` before `==` before `=`). */
function splitTerm(term: string): { lhs: string; op: FieldRequirement['operator']; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) }
    }
  }
  return undefined
}

/**
 * fields.ParseSelector: the `fieldSelector` query parameter. `''` gives `[]` (everything).
 * Terms are sorted as Go sorts them. Throws ApiError 400 BadRequest on a malformed term.
 */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const parts = splitTerms(s).sort()
  const reqs: FieldRequirement[] = []
  for (const part of parts) {
    if (part === '') continue
    const t = splitTerm(part)
    if (!t) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`)
    reqs.push({ field: t.lhs, operator: t.op, value: unescapeFieldValue(t.rhs) })
  }
  return reqs
}

/** Selector.Matches: a missing field compares as `''` (fields.Set.Get). */
export function matchesFields(reqs: readonly FieldRequirement[], fields: Record<string, string>): boolean {
  for (const r of reqs) {
    const v = Object.hasOwn(fields, r.field) ? (fields[r.field] ?? '') : ''
    if (r.operator === '!=' ? v === r.value : v !== r.value) return false
  }
  return true
}

/**
 * The field-label conversion of a kind: every field must be one the kind supports.
 * `metadata.name` and `metadata.namespace` are always allowed. Throws 400 `field label not supported: <x>`,
 * the message of the built-in kinds' conversion funcs. `resource` (e.g. `pods`) is only for the caller's
 * context: Kubernetes' message does not name it.
 */
export function validateFieldSelector(reqs: readonly FieldRequirement[], allowed: ReadonlySet<string>, resource?: string): void {
  void resource
  for (const r of reqs) {
    if (!allowed.has(r.field) && !DEFAULT_SELECTABLE_FIELDS.has(r.field)) throw badRequest(`field label not supported: ${r.field}`)
  }
}

/** Selector.String(): `a=b,c!=d` with values escaped. `==` prints as `=`, as Go's hasTerm does. */
export function fieldSelectorToString(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',')
}

/** RequiresExactMatch: the value an `=`/`==` term demands for `field`, if any (for indexed lookups). */
export function requiresExactMatch(reqs: readonly FieldRequirement[], field: string): string | undefined {
  for (const r of reqs) if (r.field === field && r.operator !== '!=') return r.value
  return undefined
}
