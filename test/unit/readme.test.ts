// README.md's promises, checked: the two first commands, the table of kinds and the table of CLI flags.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { builtinResources } from '../../src/apiserver/resources/index.ts'

const root = new URL('../..', import.meta.url).pathname
const readme = readFileSync(`${root}README.md`, 'utf8')

/** The rows of the markdown table that follows `heading` (a line that starts the section). */
function tableAfter(heading: string): string[][] {
  const lines = readme.slice(readme.indexOf(heading)).split('\n')
  const start = lines.findIndex((l) => l.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()))
  }
  return rows
}

function helpFlags(command: string): Set<string> {
  const help = execFileSync(process.execPath, ['--import', 'tsx', `${root}src/main.ts`, command, '--help'], { encoding: 'utf8' })
  return new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]).filter((f) => f !== '--help' && f !== '--version'))
}

describe('README', () => {
  it('starts with the command that sets up and runs a cluster, then the test command', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1].trim().split('\n')
    assert.match(firstBlock[0], /cluster up/)
    assert.match(firstBlock[1], /^npm test/)
  })

  it('lists exactly the kinds the API server serves', () => {
    const listed = new Set(tableAfter('Kinds (kept true').flatMap(([gv, kinds]) => kinds.split(',').map((k) => `${gv}:${k.trim()}`)))
    const served = new Set(builtinResources.map((d) => `${d.group ? `${d.group}/${d.version}` : d.version}:${d.plural}`))
    assert.deepEqual([...listed].sort(), [...served].sort())
  })

  it('lists exactly the flags of each command', () => {
    for (const [commands, flags] of tableAfter('CLI flags (kept true')) {
      const documented = new Set([...flags.matchAll(/`(--[a-z-]+)`/g)].map((m) => m[1]))
      for (const command of [...commands.matchAll(/`(?:cluster )?([a-z]+)`/g)].map((m) => m[1])) {
        const real = helpFlags(command)
        for (const flag of documented) if (flag !== '--follow' || command === 'logs') assert.ok(real.has(flag), `README lists ${flag} for cluster ${command}, which has no such flag`)
        if (!commands.includes(',')) for (const flag of real) assert.ok(documented.has(flag), `cluster ${command} has ${flag}, which README does not list`)
      }
    }
  })
})
