// The examples/ test suites (node:test, Vitest, Jest) run as a user would run them, against the built package.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { before, describe, it } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
// Without NODE_TEST_CONTEXT a nested `node --test` reports as a user sees it, not to this runner.
const { NODE_TEST_CONTEXT: _nested, ...env } = process.env
const opts = { cwd: new URL('../..', import.meta.url).pathname, timeout: 240_000, maxBuffer: 16 * 1024 * 1024, env }

describe('examples', () => {
  before(async () => {
    // The package's entry point is the compiled dist/ (what `import 'kubebox'` resolves to).
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], opts).catch((err) => {
      // Type errors still emit; only a missing dist/index.js is fatal.
      if (!/error TS/.test(String(err.stdout))) throw err
    })
  })

  it('node:test example passes', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', 'examples/node-test/cluster.test.ts'], opts)
    assert.match(stdout, /# pass 2/)
    assert.match(stdout, /# fail 0/)
  })

  it('Vitest example passes', async () => {
    const { stdout } = await run('npx', ['vitest', 'run', '--config', 'examples/vitest/vitest.config.ts'], opts)
    assert.match(stdout, /Tests\s+.*2 passed/)
  })

  it('Jest example passes', async () => {
    const { stderr } = await run(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--config', 'examples/jest/jest.config.json'], opts)
    assert.match(stderr, /Tests:\s+2 passed, 2 total/)
  })
})
