/**
 * build/sea.ts fetches the Node it embeds at build time (not as a devDependency, which made `npm ci` fail on every
 * platform but linux-x64): which package for which host, where it is kept, and that package.json does not bring it.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { cacheDir, NODE_VERSION, nodePackageFor } from '../../build/sea.ts'

const ROOT = join(import.meta.dirname, '..', '..')

test('the embedded Node is pinned to an exact LTS version, with the integrity of each platform package', () => {
  assert.match(NODE_VERSION, /^(22|24)\.\d+\.\d+$/)
  for (const [platform, arch] of [
    ['linux', 'x64'],
    ['linux', 'arm64'],
  ]) {
    const pkg = nodePackageFor(platform!, arch!)
    assert.equal(pkg.name, `node-${platform}-${arch}`)
    assert.match(pkg.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/)
  }
})

test('a host without a registry package of that Node gets one message saying what to do', () => {
  assert.throws(() => nodePackageFor('darwin', 'arm64'), (err: Error) => {
    assert.match(err.message, /darwin-arm64/)
    assert.match(err.message, /linux-x64, linux-arm64/)
    assert.match(err.message, /docker run/)
    assert.match(err.message, /npx cluster up/)
    return true
  })
  assert.throws(() => nodePackageFor('win32', 'x64'), /win32-x64/)
})

test('the cache: KUBEBOX_CACHE_DIR, else XDG_CACHE_HOME/kubebox, else ~/.cache/kubebox', () => {
  assert.equal(cacheDir({ KUBEBOX_CACHE_DIR: '/c/k', XDG_CACHE_HOME: '/x' }), '/c/k')
  assert.equal(cacheDir({ XDG_CACHE_HOME: '/x' }), '/x/kubebox')
  assert.equal(cacheDir({}), join(homedir(), '.cache', 'kubebox'))
})

test('package.json and the lockfile hold no node-<platform> package (npm ci works on every platform, npm scripts run the user’s node)', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'])
    for (const name of Object.keys(pkg[field] ?? {})) assert.doesNotMatch(name, /^node-(linux|darwin|win)-/, `${field} has ${name}`)
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }
  for (const path of Object.keys(lock.packages)) assert.doesNotMatch(path, /node_modules\/node-(linux|darwin|win)-/, `package-lock.json has ${path}`)
})
