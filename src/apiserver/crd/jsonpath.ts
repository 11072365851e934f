/**
 * The JSONPath subset CRDs use (client-go's jsonpath, as additionalPrinterColumns, selectableFields and the scale
 * subresource's paths write it): `.a.b`, `.a['b.c']`, `.a\.b` (escaped dot), `.a[0]`, `.a[-1]`, `.a[*]`,
 * `.a[?(@.type=="Ready")]` with `==`/`!=` against a string, number or boolean, and `[?(@.x)]` (exists).
 * A path may be wrapped in `{…}`.
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: Step[]; op?: '==' | '!='; value?: unknown }

export class JsonPathError extends Error {}

const cache = new Map<string, Step[]>()

/** Parses a path; throws JsonPathError on what the subset does not cover. */
export function parseJsonPath(text: string): Step[] {
  let steps = cache.get(text)
  if (!steps) {
    let src = text.trim()
    if (src.startsWith('{') && src.endsWith('}')) src = src.slice(1, -1).trim()
    steps = new Parser(src).all()
    cache.set(text, steps)
  }
  return steps
}

/** Every value the path finds in `root` (none when a step finds nothing). */
export function findValues(root: unknown, text: string): unknown[] {
  return walk([root], parseJsonPath(text))
}

/** The first value the path finds, if any. */
export const findValue = (root: unknown, text: string): unknown => findValues(root, text)[0]

/** Sets the value at a path of plain `.field` steps (the scale subresource's specReplicasPath), making objects on the way. */
export function setValue(root: Record<string, unknown>, text: string, value: unknown): void {
  const steps = parseJsonPath(text)
  if (!steps.length || steps.some((s) => s.kind !== 'field')) throw new JsonPathError(`${text}: only .field paths can be written`)
  let node: Record<string, unknown> = root
  for (const step of steps.slice(0, -1)) {
    const name = (step as { name: string }).name
    const next = node[name]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[name] = {}
    node = node[name] as Record<string, unknown>
  }
  node[(steps.at(-1) as { name: string }).name] = value
}

function walk(values: unknown[], steps: Step[]): unknown[] {
  let current = values
  for (const step of steps) {
    const next: unknown[] = []
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue
      switch (step.kind) {
        case 'field':
          if (!Array.isArray(v) && step.name in v) next.push((v as Record<string, unknown>)[step.name])
          break
        case 'index':
          if (Array.isArray(v)) {
            const i = step.index < 0 ? v.length + step.index : step.index
            if (i >= 0 && i < v.length) next.push(v[i])
          }
          break
        case 'all':
          next.push(...(Array.isArray(v) ? v : Object.values(v)))
          break
        case 'filter':
          for (const item of Array.isArray(v) ? v : Object.values(v)) {
            const found = walk([item], step.path)
            if (step.op === undefined ? found.length > 0 : found.length > 0 && (step.op === '==') === found.some((f) => f === step.value)) next.push(item)
          }
          break
      }
    }
    current = next
  }
  return current
}

class Parser {
  private i = 0
  constructor(private readonly s: string) {}

  /** The whole text as one path. */
  all(): Step[] {
    const steps = this.path()
    if (this.i < this.s.length) throw new JsonPathError(`unexpected ${JSON.stringify(this.s[this.i])} at ${this.i} in ${JSON.stringify(this.s)}`)
    return steps
  }

  path(): Step[] {
    const steps: Step[] = []
    if (this.s === '' || this.s === '.' || this.s === '$') return steps
    if (this.s[this.i] === '$') this.i++
    while (this.i < this.s.length) {
      const c = this.s[this.i]
      if (c === '.') {
        this.i++
        if (this.s[this.i] === '[') continue
        steps.push({ kind: 'field', name: this.name() })
      } else if (c === '[') steps.push(this.bracket())
      else if (c === ')' || c === '=' || c === '!' || c === ' ') break
      else throw new JsonPathError(`unexpected ${JSON.stringify(c)} at ${this.i} in ${JSON.stringify(this.s)}`)
    }
    return steps
  }

  private name(): string {
    let out = ''
    while (this.i < this.s.length) {
      const c = this.s[this.i]!
      if (c === '\\' && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1]
        this.i += 2
        continue
      }
      if (c === '.' || c === '[' || c === ')' || c === '=' || c === '!' || c === ' ') break
      out += c
      this.i++
    }
    if (!out) throw new JsonPathError(`empty field name at ${this.i} in ${JSON.stringify(this.s)}`)
    return out
  }

  private bracket(): Step {
    this.i++ // [
    const rest = this.s.slice(this.i)
    let step: Step
    if (rest.startsWith('*]')) {
      this.i += 2
      return { kind: 'all' }
    }
    if (rest[0] === "'" || rest[0] === '"') {
      const quote = rest[0]
      const end = rest.indexOf(quote, 1)
      if (end < 0) throw new JsonPathError(`unterminated string in ${JSON.stringify(this.s)}`)
      step = { kind: 'field', name: rest.slice(1, end) }
      this.i += end + 1
    } else if (rest.startsWith('?(')) {
      this.i += 2
      this.skipSpaces()
      if (this.s[this.i] !== '@') throw new JsonPathError(`a filter must start with @ in ${JSON.stringify(this.s)}`)
      this.i++
      const path = this.path()
      this.skipSpaces()
      step = { kind: 'filter', path }
      const op = this.s.slice(this.i, this.i + 2)
      if (op === '==' || op === '!=') {
        this.i += 2
        this.skipSpaces()
        step.op = op
        step.value = this.literal()
        this.skipSpaces()
      }
      if (this.s[this.i] !== ')') throw new JsonPathError(`unterminated filter in ${JSON.stringify(this.s)}`)
      this.i++
    } else {
      const m = /^-?\d+/.exec(rest)
      if (!m) throw new JsonPathError(`unsupported subscript at ${this.i} in ${JSON.stringify(this.s)}`)
      step = { kind: 'index', index: Number(m[0]) }
      this.i += m[0].length
    }
    if (this.s[this.i] !== ']') throw new JsonPathError(`expected ] at ${this.i} in ${JSON.stringify(this.s)}`)
    this.i++
    return step
  }

  private literal(): unknown {
    const rest = this.s.slice(this.i)
    if (rest[0] === '"' || rest[0] === "'") {
      const end = rest.indexOf(rest[0], 1)
      if (end < 0) throw new JsonPathError(`unterminated string in ${JSON.stringify(this.s)}`)
      this.i += end + 1
      return rest.slice(1, end)
    }
    const m = /^(-?\d+(\.\d+)?|true|false|null)/.exec(rest)
    if (!m) throw new JsonPathError(`unsupported literal at ${this.i} in ${JSON.stringify(this.s)}`)
    this.i += m[0].length
    return JSON.parse(m[0])
  }

  private skipSpaces(): void {
    while (this.s[this.i] === ' ') this.i++
  }
}
