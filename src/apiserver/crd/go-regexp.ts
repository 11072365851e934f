/**
 * The `pattern`s of CRD schemas are Go (RE2) regular expressions. Most are also valid JavaScript; these RE2 forms
 * are rewritten: inline flags `(?i)` `(?s)` `(?m)` at the start become RegExp flags, `(?P<name>` becomes `(?<name>`,
 * `\A` and `\z` become `^` and `$`. A pattern JavaScript still cannot compile is not enforced (undefined): a
 * CRD that Kubernetes accepts must not be refused here for a dialect difference.
 */
const compiled = new Map<string, RegExp | undefined>()

export function goRegExp(pattern: string): RegExp | undefined {
  if (compiled.has(pattern)) return compiled.get(pattern)
  // Inline flags at the start (after an anchor too: `^(?i)(abort|warn)?$`) apply to the whole pattern.
  const anchor = pattern.startsWith('^') ? '^' : ''
  let source = pattern.slice(anchor.length)
  let flags = ''
  for (let m = /^\(\?([imsU]+)\)/.exec(source); m; m = /^\(\?([imsU]+)\)/.exec(source)) {
    for (const f of m[1]!) if (f !== 'U' && !flags.includes(f)) flags += f
    source = source.slice(m[0].length)
  }
  source = anchor + source
  source = source.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$')
  let re: RegExp | undefined
  for (const extra of ['u', '']) {
    try {
      re = new RegExp(source, flags + extra)
      break
    } catch {
      // next: without the unicode flag, whose escapes are stricter
    }
  }
  compiled.set(pattern, re)
  return re
}
