import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isLabelKey, isLabelValue } from '../../src/api/validation.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import {
  formatLabelSelector,
  labelSelectorToString,
  matchesLabels,
  parseLabelSelector,
  selectorFromLabelSelectorObject,
  selectsEverything,
  type LabelSelector,
} from '../../src/apiserver/selectors/label-selector.ts'

const matches = (s: string, labels: Record<string, string> | undefined) => matchesLabels(parseLabelSelector(s), labels)

/** Asserts a 400 BadRequest and returns its message. */
function badRequestMessage(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${e}`)
    assert.equal(e.code, 400)
    assert.equal(e.reason, 'BadRequest')
    return e.message
  }
  assert.fail('expected an error')
}

describe('parseLabelSelector: good strings round-trip (labels TestSelectorParse)', () => {
  for (const s of ['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', 'x= ,z= ', '!x', 'x>1', 'x>1,z<5']) {
    it(JSON.stringify(s), () => {
      assert.equal(labelSelectorToString(parseLabelSelector(s)), s.replaceAll(' ', ''))
    })
  }
})

describe('parseLabelSelector: bad strings', () => {
  for (const s of ['x=a||y=b', 'x==a==b', '!x=a', 'x<a', 'x,,y', ',x,y', 'x nott in (y)', 'a in (xyz),', 'a in (xyz)b notin ()', 'a in (xyz abc)', 'a notin(', 'a (', '(', 'x in', 'k=v=w', '=v']) {
    it(JSON.stringify(s), () => {
      badRequestMessage(() => parseLabelSelector(s))
    })
  }
})

describe('parseLabelSelector: structure (labels TestSetSelectorParser)', () => {
  const cases: Array<[string, LabelSelector['requirements']]> = [
    ['', []],
    ['\rx', [{ key: 'x', operator: 'exists', values: [] }]],
    ['this-is-a-dns.domain.com/key-with-dash', [{ key: 'this-is-a-dns.domain.com/key-with-dash', operator: 'exists', values: [] }]],
    [
      '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
      [{ key: '0.1.2.domain/99', operator: 'notin', values: ['10.10.100.1', 'tick.tack.clock'] }],
    ],
    ['foo  in\t (abc)', [{ key: 'foo', operator: 'in', values: ['abc'] }]],
    ['x notin\n (abc)', [{ key: 'x', operator: 'notin', values: ['abc'] }]],
    ['x in (abc,)', [{ key: 'x', operator: 'in', values: ['', 'abc'] }]],
    ['x in (abc,abc)', [{ key: 'x', operator: 'in', values: ['abc'] }]],
    ['x in ()', [{ key: 'x', operator: 'in', values: [''] }]],
    ['x in (a,,a,,a,,a,,)', [{ key: 'x', operator: 'in', values: ['', 'a'] }]],
    ['x notin ( )', [{ key: 'x', operator: 'notin', values: [''] }]],
    ['x notin (, a)', [{ key: 'x', operator: 'notin', values: ['', 'a'] }]],
    ['a ', [{ key: 'a', operator: 'exists', values: [] }]],
    ['a in (x,y,notin, z,in)', [{ key: 'a', operator: 'in', values: ['in', 'notin', 'x', 'y', 'z'] }]],
    ['notin=in', [{ key: 'notin', operator: '=', values: ['in'] }]],
    [
      'x notin (abc,,def),bar,z in (),w',
      [
        { key: 'bar', operator: 'exists', values: [] },
        { key: 'w', operator: 'exists', values: [] },
        { key: 'x', operator: 'notin', values: ['', 'abc', 'def'] },
        { key: 'z', operator: 'in', values: [''] },
      ],
    ],
    [
      'x=a,y!=b,z in (h,i,j)',
      [
        { key: 'x', operator: '=', values: ['a'] },
        { key: 'y', operator: '!=', values: ['b'] },
        { key: 'z', operator: 'in', values: ['h', 'i', 'j'] },
      ],
    ],
    ['k==v', [{ key: 'k', operator: '==', values: ['v'] }]],
    ['!k', [{ key: 'k', operator: '!', values: [] }]],
    [' app = web , tier != db ', [
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'tier', operator: '!=', values: ['db'] },
    ]],
  ]
  for (const [s, reqs] of cases) {
    it(JSON.stringify(s), () => {
      assert.deepEqual(parseLabelSelector(s).requirements, reqs)
    })
  }

  it('is deterministic: requirements are sorted by key', () => {
    assert.equal(labelSelectorToString(parseLabelSelector('x=a,a=x')), labelSelectorToString(parseLabelSelector('a=x,x=a')))
    assert.equal(labelSelectorToString(parseLabelSelector('x=a,a=x')), 'a=x,x=a')
  })

  it('prints sets sorted with spaces around in/notin', () => {
    assert.equal(labelSelectorToString(parseLabelSelector('tier in (b, a),env notin (x)')), 'env notin (x),tier in (a,b)')
  })
})

describe('parseLabelSelector: error messages as Kubernetes words them', () => {
  it('`|` is part of an identifier, so `x=a||y=b` fails value validation', () => {
    assert.match(badRequestMessage(() => parseLabelSelector('x=a||y=b')), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "a\|\|y": a valid label/)
  })
  it('double equals twice', () => {
    assert.equal(badRequestMessage(() => parseLabelSelector('x==a==b')), "found '==', expected: ',' or 'end of string'")
  })
  it('!x=a', () => {
    assert.equal(badRequestMessage(() => parseLabelSelector('!x=a')), "found '=', expected: ',' or 'end of string'")
  })
  it('missing operator', () => {
    assert.equal(
      badRequestMessage(() => parseLabelSelector('a b')),
      "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    )
  })
  it('a leading comma', () => {
    assert.equal(badRequestMessage(() => parseLabelSelector(',x')), "found ',', expected: !, identifier, or 'end of string'")
  })
  it('a double comma', () => {
    assert.equal(badRequestMessage(() => parseLabelSelector('x,,y')), "found ',', expected: identifier after ','")
  })
  it('in without a set', () => {
    assert.equal(badRequestMessage(() => parseLabelSelector('x in')), "unable to parse requirement: found '' expected: '('")
  })
  it('a set without a comma', () => {
    assert.equal(
      badRequestMessage(() => parseLabelSelector('a in (xyz abc)')),
      "unable to parse requirement: found 'abc', expected: ',' or ')'",
    )
  })
  it('Gt with a non-integer', () => {
    assert.equal(
      badRequestMessage(() => parseLabelSelector('x<a')),
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    )
  })
  it('an invalid key', () => {
    assert.equal(
      badRequestMessage(() => parseLabelSelector('-bad=x')),
      'unable to parse requirement: <nil>: Invalid value: "-bad": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
    )
  })
  it('an invalid value', () => {
    assert.equal(
      badRequestMessage(() => parseLabelSelector('app=-bad')),
      'unable to parse requirement: values[0][app]: Invalid value: "-bad": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
    )
  })
  it('a value longer than 63 bytes', () => {
    const msg = badRequestMessage(() => parseLabelSelector('app=' + 'a'.repeat(64)))
    assert.match(msg, /^unable to parse requirement: values\[0\]\[app\]: Invalid value: "a{64}": must be no more than 63 bytes$/)
  })
})

describe('label key and value validation (content.IsLabelKey / IsLabelValue)', () => {
  it('accepts prefixed keys', () => {
    assert.deepEqual(isLabelKey('app.kubernetes.io/name'), [])
    assert.deepEqual(isLabelKey('node-role.kubernetes.io/control-plane'), [])
    assert.deepEqual(isLabelKey('a'.repeat(63)), [])
    assert.deepEqual(isLabelKey('example.com/' + 'a'.repeat(63)), [])
  })
  it('rejects long names, bad prefixes, empty parts and extra slashes', () => {
    assert.deepEqual(isLabelKey('a'.repeat(64)), ['name part must be no more than 63 bytes'])
    assert.match(isLabelKey('Example.com/x')[0]!, /^prefix part a lowercase RFC 1123 subdomain/)
    assert.deepEqual(isLabelKey('/x'), ['prefix part must be non-empty'])
    assert.equal(isLabelKey('x/')[0], 'name part must be non-empty')
    assert.match(isLabelKey('a/b/c')[0]!, /^a valid label key must consist of/)
    assert.match(isLabelKey('a'.repeat(254) + '/x')[0]!, /^prefix part must be no more than 253 bytes/)
  })
  it('values: empty is valid, 63 is the limit', () => {
    assert.deepEqual(isLabelValue(''), [])
    assert.deepEqual(isLabelValue('a'.repeat(63)), [])
    assert.equal(isLabelValue('a'.repeat(64))[0], 'must be no more than 63 bytes')
    assert.equal(isLabelValue('a b').length, 1)
  })
})

describe('matchesLabels (labels TestSelectorMatches, TestRequirementSelectorMatching)', () => {
  const yes: Array<[string, Record<string, string>]> = [
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x==y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x in (foo),y notin (alpha)', { x: 'foo', y: 'baz' }],
    ['x notin (),y', { y: '' }],
    ['!x,y', { y: '' }],
    ['x!=y', {}],
    ['x=', { x: '' }],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ]
  const no: Array<[string, Record<string, string>]> = [
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['z>1', { z: 'v2' }],
    ['x in (foo),y in (alpha)', { x: 'foo', y: 'baz' }],
    ['x notin (),!y', { y: '' }],
    ['x in ()', { y: 'baz' }],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
    ['x=', {}],
  ]
  for (const [s, l] of yes) it(`${JSON.stringify(s)} matches ${JSON.stringify(l)}`, () => assert.equal(matches(s, l), true))
  for (const [s, l] of no) it(`${JSON.stringify(s)} does not match ${JSON.stringify(l)}`, () => assert.equal(matches(s, l), false))

  it('undefined labels behave as no labels', () => {
    assert.equal(matches('', undefined), true)
    assert.equal(matches('!app', undefined), true)
    assert.equal(matches('app', undefined), false)
    assert.equal(matches('app!=web', undefined), true)
  })

  it('does not see inherited properties as labels', () => {
    assert.equal(matches('constructor', {}), false)
    assert.equal(matches('!toString', {}), true)
  })
})

describe('selectorFromLabelSelectorObject (metav1.LabelSelectorAsSelector)', () => {
  it('null / undefined match nothing, {} matches everything', () => {
    assert.equal(matchesLabels(selectorFromLabelSelectorObject(undefined), { a: 'b' }), false)
    assert.equal(matchesLabels(selectorFromLabelSelectorObject(null), {}), false)
    assert.equal(selectsEverything(selectorFromLabelSelectorObject({})), true)
    assert.equal(matchesLabels(selectorFromLabelSelectorObject({ matchLabels: {}, matchExpressions: [] }), {}), true)
  })

  it('converts matchLabels and all four expression operators, sorted by key', () => {
    const sel = selectorFromLabelSelectorObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'track', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    })
    assert.equal(labelSelectorToString(sel), 'app=web,!canary,env notin (prod),tier in (a,b),track')
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'a', track: 'stable' }), true)
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'c', track: 'stable' }), false)
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'a', track: 'stable', env: 'prod' }), false)
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'a', track: 'stable', canary: 'true' }), false)
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'a' }), false)
  })

  it('agrees with the string parser', () => {
    const fromObj = selectorFromLabelSelectorObject({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] })
    const fromStr = parseLabelSelector('app=web,tier in (a,b)')
    assert.deepEqual(fromObj.requirements, fromStr.requirements)
  })

  it('rejects unknown operators and invalid keys or values with 400', () => {
    assert.equal(
      badRequestMessage(() => selectorFromLabelSelectorObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })),
      '"Gt" is not a valid label selector operator',
    )
    assert.equal(
      badRequestMessage(() => selectorFromLabelSelectorObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })),
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    )
    assert.equal(
      badRequestMessage(() => selectorFromLabelSelectorObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })),
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    )
    assert.match(badRequestMessage(() => selectorFromLabelSelectorObject({ matchLabels: { 'a b': 'c' } })), /^key: Invalid value: "a b": name part/)
    assert.match(badRequestMessage(() => selectorFromLabelSelectorObject({ matchLabels: { a: 'c d' } })), /^values\[0\]\[a\]: Invalid value: "c d": a valid label/)
  })
})

describe('formatLabelSelector (Scale.status.selector)', () => {
  it('prints matchLabels and expressions', () => {
    assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web')
    assert.equal(
      formatLabelSelector({ matchLabels: { tier: 'fe', app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }),
      'app=web,tier=fe,tier in (a,b)',
    )
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['a'] }] }), 'x notin (a)')
  })
  it("is '' for an empty or missing selector", () => {
    assert.equal(formatLabelSelector({}), '')
    assert.equal(formatLabelSelector(undefined), '')
  })
  it('round-trips through the parser', () => {
    const s = formatLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x', 'y'] }, { key: 'gone', operator: 'DoesNotExist' }] })
    assert.equal(s, 'app=web,!gone,tier notin (x,y)')
    assert.equal(labelSelectorToString(parseLabelSelector(s)), s)
  })
})
