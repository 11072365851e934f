/**
 * Name and label syntax, as apimachinery/pkg/util/validation defines it. Each check returns the
 * problems as messages (empty = valid), worded like Kubernetes' so that kubectl users see familiar errors.
 */
const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const labelKeyErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const labelKeyRegexp = new RegExp(`^${labelKeyFmt}$`)
const labelValueFmt = `(${labelKeyFmt})?`
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const labelValueRegexp = new RegExp(`^${labelValueFmt}$`)
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1123SubdomainRegexp = new RegExp(`^${dns1123SubdomainFmt}$`)
const dns1123SubdomainErrorMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8')

function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`
  let out = msg + ' (e.g. '
  examples.forEach((ex, i) => {
    if (i > 0) out += ' or '
    out += `'${ex}', `
  })
  return out + `regex used for validation is '${re}')`
}

const maxLenError = (n: number) => `must be no more than ${n} bytes`

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > 253) errs.push(maxLenError(253))
  if (!dns1123SubdomainRegexp.test(value)) errs.push(regexError(dns1123SubdomainErrorMsg, dns1123SubdomainFmt, 'example.com'))
  return errs
}

/** content.IsLabelKey: `[prefix/]name`, prefix a DNS-1123 subdomain (≤ 253), name ≤ 63. [] when valid. */
export function isLabelKey(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  switch (parts.length) {
    case 1:
      name = parts[0]!
      break
    case 2: {
      const prefix = parts[0]!
      name = parts[1]!
      if (prefix.length === 0) errs.push('prefix part must be non-empty')
      else errs.push(...isDNS1123Subdomain(prefix).map((m) => 'prefix part ' + m))
      break
    }
    default:
      return [
        'a valid label key ' +
          regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc') +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ]
  }
  if (name.length === 0) errs.push('name part must be non-empty')
  else if (byteLength(name) > 63) errs.push('name part ' + maxLenError(63))
  if (!labelKeyRegexp.test(name)) errs.push('name part ' + regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc'))
  return errs
}

/** content.IsLabelValue: empty, or ≤ 63 alphanumerics with `-_.` inside. [] when valid. */
export function isLabelValue(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > 63) errs.push(maxLenError(63))
  if (!labelValueRegexp.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'))
  return errs
}

const dns1123LabelRegexp = new RegExp(`^${dns1123LabelFmt}$`)
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"

/** IsDNS1123Label: namespace names, container names. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > 63) errs.push(maxLenError(63))
  if (!dns1123LabelRegexp.test(value)) errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'))
  return errs
}

/** Names that only need to be usable as a path segment: not '.' or '..', no '/' or '%' (IsValidPathSegmentName). */
export function isPathSegmentName(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`]
  if (value.includes('/')) return ["may not contain '/'"]
  if (value.includes('%')) return ["may not contain '%'"]
  return []
}

export type NameRule = 'subdomain' | 'label' | 'path'

export const nameValidators: Record<NameRule, (v: string) => string[]> = {
  subdomain: isDNS1123Subdomain,
  label: isDNS1123Label,
  path: isPathSegmentName,
}
