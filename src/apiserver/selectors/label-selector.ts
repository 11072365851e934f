/**
 * Label selectors, as apimachinery's pkg/labels/selector.go parses, validates, matches and prints them,
 * and metav1.LabelSelector ({matchLabels, matchExpressions}) as LabelSelectorAsSelector converts it.
 * Pure: no I/O. Errors are 400 BadRequest with the messages Kubernetes gives.
 */
import { isLabelKey, isLabelValue } from '../../api/validation.ts'
import { badRequest } from '../../errors/api-error.ts'

/** selection.Operator, spelled as Go spells it. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt'

export interface LabelRequirement {
  key: string
  operator: LabelOperator
  /** Empty for exists / `!`; exactly one for `=`, `==`, `!=`, gt, lt; at least one for in / notin. */
  values: string[]
}

export interface LabelSelector {
  /** ANDed; sorted by key as Kubernetes sorts them. Empty = everything. */
  readonly requirements: readonly LabelRequirement[]
  /** labels.Nothing(): what a nil metav1.LabelSelector converts to. Matches no object. */
  readonly nothing?: boolean
}

/** metav1.LabelSelector as JSON. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null
}

export const EVERYTHING: LabelSelector = Object.freeze({ requirements: Object.freeze([]) as readonly LabelRequirement[] })
export const NOTHING: LabelSelector = Object.freeze({ requirements: Object.freeze([]) as readonly LabelRequirement[], nothing: true })

/** field.Invalid(...).Error(): `<path>: Invalid value: <value>: <detail>`; a nil path prints `<nil>`. */
function invalidField(path: string, value: unknown, detail: string): string {
  const shown = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) && value.length === 0 ? 'null' : JSON.stringify(value)
  return `${path}: Invalid value: ${shown}: ${detail}`
}

/** utilerrors.Aggregate.Error(): one message as is, several deduplicated inside `[a, b]`. */
function aggregate(msgs: string[]): string {
  const seen = [...new Set(msgs)]
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`
}

const isInteger64 = (s: string) => {
  if (!/^[+-]?\d+$/.test(s)) return false
  const n = BigInt(s)
  return n >= -(2n ** 63n) && n < 2n ** 63n
}

/** labels.NewRequirement: validates; returns the error message or the requirement. */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement | string {
  const errs: string[] = []
  const keyErrs = isLabelKey(key)
  if (keyErrs.length) errs.push(invalidField('key', key, keyErrs.join('; ')))
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidField('values', values, "for 'in', 'notin' operators, values set can't be empty"))
      break
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidField('values', values, 'exact-match compatibility requires one single value'))
      break
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidField('values', values, 'values set must be empty for exists and does not exist'))
      break
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidField('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"))
      values.forEach((v, i) => {
        if (!isInteger64(v)) errs.push(invalidField(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"))
      })
      break
  }
  values.forEach((v, i) => {
    const valueErrs = isLabelValue(v)
    if (valueErrs.length) errs.push(invalidField(`values[${i}][${key}]`, v, valueErrs.join('; ')))
  })
  return errs.length ? aggregate(errs) : { key, operator, values }
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  // Go's sort.Sort(ByKey) is not stable; a stable sort is one of its valid outcomes.
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

// ---------------------------------------------------------------------------------------------------------
// The lexer and parser of selector.go, token for token, so that the error messages are the same.

const Tok = {
  Error: 0,
  EndOfString: 1,
  ClosedPar: 2,
  Comma: 3,
  DoesNotExist: 4,
  DoubleEquals: 5,
  Equals: 6,
  GreaterThan: 7,
  Identifier: 8,
  In: 9,
  LessThan: 10,
  NotEquals: 11,
  NotIn: 12,
  OpenPar: 13,
} as const
type Tok = (typeof Tok)[keyof typeof Tok]

const string2token: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
}

const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt']

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n'
const isSpecialSymbol = (ch: string) => '=!(),><'.includes(ch) && ch.length === 1

interface Item {
  tok: Tok
  lit: string
}

function lex(s: string): Item[] {
  let pos = 0
  const read = () => (pos < s.length ? s[pos++]! : '')
  const items: Item[] = []
  for (;;) {
    let ch = read()
    while (ch !== '' && isWhitespace(ch)) ch = read()
    if (ch === '') {
      items.push({ tok: Tok.EndOfString, lit: '' })
      return items
    }
    pos--
    if (isSpecialSymbol(ch)) {
      let buffer = ''
      let last: Item | undefined
      for (;;) {
        const c = read()
        if (c === '') break
        if (isSpecialSymbol(c)) {
          buffer += c
          const tok = string2token[buffer]
          if (tok !== undefined) last = { tok, lit: buffer }
          else if (last) {
            pos--
            break
          }
        } else {
          pos--
          break
        }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` })
    } else {
      let buffer = ''
      for (;;) {
        const c = read()
        if (c === '') break
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          pos--
          break
        }
        buffer += c
      }
      const tok = Object.hasOwn(string2token, buffer) ? string2token[buffer]! : Tok.Identifier
      items.push({ tok, lit: buffer })
    }
  }
}

class ParseError extends Error {}

class Parser {
  private position = 0
  private readonly items: Item[]
  constructor(items: Item[]) {
    this.items = items
  }

  /** In the Values context `in` and `notin` are plain identifiers (`x in (in)`). */
  private at(i: number, values: boolean): Item {
    const item = this.items[Math.min(i, this.items.length - 1)]!
    if (values && (item.tok === Tok.In || item.tok === Tok.NotIn)) return { tok: Tok.Identifier, lit: item.lit }
    return item
  }
  private lookahead(values = true): Item {
    return this.at(this.position, values)
  }
  private consume(values = true): Item {
    return this.at(this.position++, values)
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = []
    for (;;) {
      const { tok, lit } = this.lookahead()
      switch (tok) {
        case Tok.Identifier:
        case Tok.DoesNotExist: {
          let r: LabelRequirement
          try {
            r = this.parseRequirement()
          } catch (e) {
            if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`)
            throw e
          }
          reqs.push(r)
          const next = this.consume()
          switch (next.tok) {
            case Tok.EndOfString:
              return reqs
            case Tok.Comma: {
              const t2 = this.lookahead()
              if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist)
                throw new ParseError(`found '${t2.lit}', expected: identifier after ','`)
              break
            }
            default:
              throw new ParseError(`found '${next.lit}', expected: ',' or 'end of string'`)
          }
          break
        }
        case Tok.EndOfString:
          return reqs
        default:
          throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`)
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator()
    if (inferred === 'exists' || inferred === '!') return this.require(newRequirement(key, inferred, []))
    const operator = this.parseOperator()
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue()
    // sets.String.List(): deduplicated and sorted.
    return this.require(newRequirement(key, operator, [...values].sort()))
  }

  private require(r: LabelRequirement | string): LabelRequirement {
    if (typeof r === 'string') throw new ParseError(r)
    return r
  }

  private parseKeyAndInferOperator(): { key: string; operator?: LabelOperator } {
    let operator: LabelOperator | undefined
    let { tok, lit } = this.consume()
    if (tok === Tok.DoesNotExist) {
      operator = '!'
      ;({ tok, lit } = this.consume())
    }
    if (tok !== Tok.Identifier) throw new ParseError(`found '${lit}', expected: identifier`)
    const keyErrs = isLabelKey(lit)
    if (keyErrs.length) throw new ParseError(invalidField('<nil>', lit, keyErrs.join('; ')))
    const t = this.lookahead().tok
    if ((t === Tok.EndOfString || t === Tok.Comma) && operator !== '!') operator = 'exists'
    return { key: lit, operator }
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false)
    switch (tok) {
      case Tok.In:
        return 'in'
      case Tok.Equals:
        return '='
      case Tok.DoubleEquals:
        return '=='
      case Tok.GreaterThan:
        return 'gt'
      case Tok.LessThan:
        return 'lt'
      case Tok.NotIn:
        return 'notin'
      case Tok.NotEquals:
        return '!='
      default:
        throw new ParseError(`found '${lit}', expected: ${binaryOperators.join(', ')}`)
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume()
    if (open.tok !== Tok.OpenPar) throw new ParseError(`found '${open.lit}' expected: '('`)
    const { tok, lit } = this.lookahead()
    switch (tok) {
      case Tok.Identifier:
      case Tok.Comma: {
        const s = this.parseIdentifiersList()
        if (this.consume().tok !== Tok.ClosedPar) throw new ParseError(`found '${lit}', expected: ')'`)
        return s
      }
      case Tok.ClosedPar:
        this.consume()
        return new Set([''])
      default:
        throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`)
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>()
    for (;;) {
      const { tok, lit } = this.consume()
      switch (tok) {
        case Tok.Identifier: {
          s.add(lit)
          const t2 = this.lookahead()
          if (t2.tok === Tok.Comma) continue
          if (t2.tok === Tok.ClosedPar) return s
          throw new ParseError(`found '${t2.lit}', expected: ',' or ')'`)
        }
        case Tok.Comma: {
          if (s.size === 0) s.add('')
          const t2 = this.lookahead().tok
          if (t2 === Tok.ClosedPar) {
            s.add('')
            return s
          }
          if (t2 === Tok.Comma) s.add('')
          break
        }
        default:
          throw new ParseError(`found '${lit}', expected: ',', or identifier`)
      }
    }
  }

  private parseExactValue(): Set<string> {
    const t = this.lookahead().tok
    if (t === Tok.EndOfString || t === Tok.Comma) return new Set([''])
    const { tok, lit } = this.consume()
    if (tok === Tok.Identifier) return new Set([lit])
    throw new ParseError(`found '${lit}', expected: identifier`)
  }
}

// ---------------------------------------------------------------------------------------------------------
// Public API

/**
 * labels.Parse: the `labelSelector` query parameter. `''` selects everything.
 * Throws ApiError 400 BadRequest with Kubernetes' message on a syntax or validation error.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: sortByKey(new Parser(lex(s)).parse()) }
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(e.message)
    throw e
  }
}

/** labels.Selector.Matches: every requirement holds (Requirement.Matches). */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined | null): boolean {
  if (sel.nothing) return false
  const ls = labels ?? {}
  const lookup = (k: string): string | undefined => (Object.hasOwn(ls, k) ? ls[k] : undefined)
  for (const r of sel.requirements) {
    const val = lookup(r.key)
    switch (r.operator) {
      case 'in':
      case '=':
      case '==':
        if (val === undefined || !r.values.includes(val)) return false
        break
      case 'notin':
      case '!=':
        if (val !== undefined && r.values.includes(val)) return false
        break
      case 'exists':
        if (val === undefined) return false
        break
      case '!':
        if (val !== undefined) return false
        break
      case 'gt':
      case 'lt': {
        if (val === undefined || !isInteger64(val) || r.values.length !== 1 || !isInteger64(r.values[0]!)) return false
        const lv = BigInt(val)
        const rv = BigInt(r.values[0]!)
        if (r.operator === 'gt' ? !(lv > rv) : !(lv < rv)) return false
        break
      }
      default:
        return false
    }
  }
  return true
}

/** True for the selector that restricts nothing (an empty string, or `{}`). */
export function selectsEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0
}

/**
 * metav1.LabelSelectorAsSelector: `{matchLabels, matchExpressions}` (In, NotIn, Exists, DoesNotExist).
 * `null`/`undefined` gives a selector that matches nothing; `{}` one that matches everything.
 * Throws ApiError 400 on an invalid key, value or operator.
 */
export function selectorFromLabelSelectorObject(obj: LabelSelectorObject | null | undefined): LabelSelector {
  if (obj === null || obj === undefined) return NOTHING
  const matchLabels = obj.matchLabels ?? {}
  const matchExpressions = obj.matchExpressions ?? []
  if (Object.keys(matchLabels).length + matchExpressions.length === 0) return EVERYTHING
  const reqs: LabelRequirement[] = []
  const push = (r: LabelRequirement | string) => {
    if (typeof r === 'string') throw badRequest(r)
    reqs.push(r)
  }
  for (const [k, v] of Object.entries(matchLabels)) push(newRequirement(k, '=', [String(v)]))
  for (const expr of matchExpressions) {
    let op: LabelOperator
    switch (expr.operator) {
      case 'In':
        op = 'in'
        break
      case 'NotIn':
        op = 'notin'
        break
      case 'Exists':
        op = 'exists'
        break
      case 'DoesNotExist':
        op = '!'
        break
      default:
        throw badRequest(`${JSON.stringify(expr.operator ?? '')} is not a valid label selector operator`)
    }
    push(newRequirement(expr.key ?? '', op, [...(expr.values ?? [])]))
  }
  return { requirements: sortByKey(reqs) }
}

/** Requirement.String(): `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>1`, `k<1`. */
export function requirementToString(r: LabelRequirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key
  switch (r.operator) {
    case 'exists':
    case '!':
      return s
    case 'in':
      s += ' in '
      break
    case 'notin':
      s += ' notin '
      break
    case 'gt':
      s += '>'
      break
    case 'lt':
      s += '<'
      break
    default:
      s += r.operator
  }
  const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(',')
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${values})` : s + values
}

/** labels.Selector.String(): the requirements joined by `,` (`''` for everything and for nothing). */
export function labelSelectorToString(sel: LabelSelector): string {
  return sel.nothing ? '' : sel.requirements.map(requirementToString).join(',')
}

/**
 * The string form of a metav1.LabelSelector: `LabelSelectorAsSelector(obj).String()`, as Scale.status.selector
 * carries it (`app=web,tier in (a,b)`). `''` for `{}` and for a missing selector.
 * (Printers show `<none>` for `''`: see formatLabelSelectorForTable in printers/format.ts.) Throws on invalid input.
 */
export function formatLabelSelector(obj: LabelSelectorObject | null | undefined): string {
  return labelSelectorToString(selectorFromLabelSelectorObject(obj))
}
