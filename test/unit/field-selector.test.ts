import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ApiError } from '../../src/errors/api-error.ts'
import {
  escapeFieldValue,
  fieldSelectorToString,
  matchesFields,
  parseFieldSelector,
  requiresExactMatch,
  unescapeFieldValue,
  validateFieldSelector,
} from '../../src/apiserver/selectors/field-selector.ts'

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

const matches = (s: string, fields: Record<string, string>) => matchesFields(parseFieldSelector(s), fields)

describe('parseFieldSelector (fields TestSelectorParse)', () => {
  for (const s of ['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=a||y\\=b', 'x=a\\=\\=b']) {
    it(`round-trips ${JSON.stringify(s)}`, () => assert.equal(fieldSelectorToString(parseFieldSelector(s)), s))
  }
  for (const s of ['x=a||y=b', 'x==a==b', 'x=a,b', 'x in (a)', 'x in (a,b,c)', 'x']) {
    it(`rejects ${JSON.stringify(s)}`, () => {
      badRequestMessage(() => parseFieldSelector(s))
    })
  }

  it('parses =, == and != and sorts the terms', () => {
    assert.deepEqual(parseFieldSelector('status.phase!=Failed,spec.nodeName=node1,metadata.name==x'), [
      { field: 'metadata.name', operator: '==', value: 'x' },
      { field: 'spec.nodeName', operator: '=', value: 'node1' },
      { field: 'status.phase', operator: '!=', value: 'Failed' },
    ])
  })

  it('is deterministic', () => {
    assert.equal(fieldSelectorToString(parseFieldSelector('x=a,a=x')), fieldSelectorToString(parseFieldSelector('a=x,x=a')))
  })

  it('accepts an empty value and skips empty terms', () => {
    assert.deepEqual(parseFieldSelector('involvedObject.namespace=,'), [{ field: 'involvedObject.namespace', operator: '=', value: '' }])
    assert.deepEqual(parseFieldSelector(',a=a'), [{ field: 'a', operator: '=', value: 'a' }])
  })

  it('splits on unescaped commas only and unescapes values (terms sort as raw strings: k2=… before k=…)', () => {
    const k2 = { field: 'k2', operator: '=', value: 'v2' }
    assert.deepEqual(parseFieldSelector('k=\\,,k2=v2'), [k2, { field: 'k', operator: '=', value: ',' }])
    assert.deepEqual(parseFieldSelector('k=\\\\,k2=v2'), [k2, { field: 'k', operator: '=', value: '\\' }])
    assert.deepEqual(parseFieldSelector('k=\\\\\\,,k2=v2'), [k2, { field: 'k', operator: '=', value: '\\,' }])
    assert.deepEqual(parseFieldSelector('함=수,목=록'), [
      { field: '목', operator: '=', value: '록' },
      { field: '함', operator: '=', value: '수' },
    ])
  })

  it('words errors as Kubernetes does', () => {
    assert.equal(badRequestMessage(() => parseFieldSelector('x=a,b')), "invalid selector: 'x=a,b'; can't understand 'b'")
    assert.equal(badRequestMessage(() => parseFieldSelector('x=a=b')), 'invalid field selector: unescaped character in value: 61')
    assert.equal(badRequestMessage(() => parseFieldSelector('k=\\a')), 'invalid field selector: invalid escape sequence: \\a')
    assert.equal(badRequestMessage(() => parseFieldSelector('k=\\')), 'invalid field selector: invalid escape sequence: \\')
  })

  it('what kubectl describe node sends', () => {
    const reqs = parseFieldSelector('spec.nodeName=node1,status.phase!=Succeeded,status.phase!=Failed')
    assert.equal(matchesFields(reqs, { 'spec.nodeName': 'node1', 'status.phase': 'Running' }), true)
    assert.equal(matchesFields(reqs, { 'spec.nodeName': 'node1', 'status.phase': 'Failed' }), false)
    assert.equal(matchesFields(reqs, { 'spec.nodeName': 'node2', 'status.phase': 'Running' }), false)
  })
})

describe('escapeFieldValue / unescapeFieldValue (fields TestEscapeValue)', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['a', 'a'],
    ['=', '\\='],
    [',', '\\,'],
    ['\\', '\\\\'],
    ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
  ]
  for (const [raw, escaped] of cases) {
    it(JSON.stringify(raw), () => {
      assert.equal(escapeFieldValue(raw), escaped)
      assert.equal(unescapeFieldValue(escaped), raw)
    })
  }
  for (const bad of ['\\', '\\\\\\', '\\a']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.match(badRequestMessage(() => unescapeFieldValue(bad)), /invalid escape sequence/))
  }
})

describe('matchesFields', () => {
  const fields = { 'metadata.name': 'web-1', 'metadata.namespace': 'default', 'spec.nodeName': '' }
  it('matches = and ==', () => {
    assert.equal(matches('metadata.name=web-1', fields), true)
    assert.equal(matches('metadata.name==web-1', fields), true)
    assert.equal(matches('metadata.name=web-2', fields), false)
  })
  it('matches !=', () => {
    assert.equal(matches('metadata.name!=web-2', fields), true)
    assert.equal(matches('metadata.name!=web-1', fields), false)
  })
  it('ANDs the terms', () => {
    assert.equal(matches('metadata.name=web-1,metadata.namespace=default', fields), true)
    assert.equal(matches('metadata.name=web-1,metadata.namespace=kube-system', fields), false)
  })
  it("compares a missing field as ''", () => {
    assert.equal(matches('status.podIP=', fields), true)
    assert.equal(matches('status.podIP!=', fields), false)
    assert.equal(matches('status.podIP=1.2.3.4', fields), false)
    assert.equal(matches('spec.nodeName=', fields), true)
  })
  it('does not see inherited properties as fields', () => {
    assert.equal(matches('constructor=', {}), true)
  })
  it('an empty selector matches everything', () => {
    assert.equal(matches('', {}), true)
  })
})

describe('validateFieldSelector', () => {
  const podFields = new Set(['spec.nodeName', 'status.phase'])
  it('accepts supported fields and metadata.name / metadata.namespace always', () => {
    validateFieldSelector(parseFieldSelector('spec.nodeName=n,status.phase!=Failed'), podFields, 'pods')
    validateFieldSelector(parseFieldSelector('metadata.name=x,metadata.namespace=default'), new Set(), 'configmaps')
  })
  it('rejects others with 400 field label not supported', () => {
    assert.equal(badRequestMessage(() => validateFieldSelector(parseFieldSelector('spec.foo=bar'), podFields, 'pods')), 'field label not supported: spec.foo')
    assert.equal(
      badRequestMessage(() => validateFieldSelector(parseFieldSelector('metadata.name=x,spec.nodeName=y'), new Set(), 'configmaps')),
      'field label not supported: spec.nodeName',
    )
  })
  it('does not trim: a field with a space is not the field', () => {
    assert.equal(badRequestMessage(() => validateFieldSelector(parseFieldSelector('spec.nodeName =n'), podFields, 'pods')), 'field label not supported: spec.nodeName ')
  })
})

describe('requiresExactMatch', () => {
  it('finds the value of = and == terms', () => {
    assert.equal(requiresExactMatch(parseFieldSelector('metadata.name=web'), 'metadata.name'), 'web')
    assert.equal(requiresExactMatch(parseFieldSelector('metadata.name==web'), 'metadata.name'), 'web')
    assert.equal(requiresExactMatch(parseFieldSelector('metadata.name!=web'), 'metadata.name'), undefined)
    assert.equal(requiresExactMatch(parseFieldSelector('spec.nodeName=n'), 'metadata.name'), undefined)
  })
})
