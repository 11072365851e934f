/**
 * Bundles the `cluster` CLI — src/main.ts and everything it reaches — into ONE CommonJS file,
 * build/out/cluster.cjs, the main script of the single executable (build/sea.ts). Run: `npx tsx build/bundle.ts`.
 *
 * A single-executable main script is CommonJS and its require() loads only Node's builtins, so nothing may be
 * left to load from disk at run time. The plugins below fix the libraries that do (see
 * shared/reference/single-executable.md, "Pitfalls"):
 *   entry-top-level-await  src/main.ts awaits at top level, which CommonJS output cannot express: its statements
 *                          (not its imports) run in an async function instead.
 *   inline-protos          etcd3 and dockerode read .proto files next to their sources (etcd3 at module load):
 *                          the descriptors are parsed here, at build time, and inlined as JSON.
 *   stub-native            optional native addons (ssh2's crypto, cpu-features, ws' bufferutil and utf-8-validate)
 *                          and debug's optional supports-color are replaced by a module that throws; every one is
 *                          required inside try/catch and has a pure-JS fallback.
 *   lazy-requires          docker-modem requires ssh2 (docker over ssh only) and dockerode requires its BuildKit session
 *                          (gRPC, protobufjs) at load: both are required when first called instead. ssh2 instantiates
 *                          a WebAssembly poly1305 with a 16 MB memory at load, a sixth of an idle cluster's RSS.
 *   lazy-descriptors       @grpc/proto-loader describes every message of a package as descriptor objects and encoded
 *                          file descriptors when it loads it (etcd3's, at start-up); only gRPC reflection reads them:
 *                          they are made when first read instead (−2 MB of heap, −60 ms of start).
 *   import.meta.url        yargs 18 is ESM-only and calls createRequire(import.meta.url); in CommonJS output esbuild
 *                          would leave `{}.url`, so it is defined as the bundle's own file URL (shims/import-meta-url.ts).
 * Each pattern is tied to a library version: when an upgrade moves it, the build fails and says which one.
 * After bundling, every require() left in the output must name a Node builtin, or the build fails; characters
 * outside ASCII left in comments are escaped, so that V8 holds the 5 MB source as one byte per character, not two.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { createRequire, isBuiltin } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { build, transform, type Metafile, type Plugin } from 'esbuild'
import protobuf from 'protobufjs'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const outDir = join(repoRoot, 'build/out')
export const bundleFile = join(outDir, 'cluster.cjs')
const entry = join(repoRoot, 'src/main.ts')

// ---------------------------------------------------------------------------------------------------------------
// entry-top-level-await

/**
 * The entry module's own code (type-stripped by esbuild), with its statements after the imports moved into an
 * async function: the same order and the same effect for a module nothing imports. Top-level imports are hoisted
 * in ESM anyway; they stay at the top. esbuild prints each top-level statement from column 0, so a top-level
 * import is a column-0 `import …` through the line that ends it with `;`.
 */
export async function wrapTopLevelAwait(source: string, path: string): Promise<string> {
  const { code } = await transform(source, { loader: 'ts', format: 'esm', sourcefile: path, tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } })
  const lines = code.split('\n')
  const imports: string[] = []
  let i = 0
  let inImport = false
  for (; i < lines.length; i++) {
    const line = lines[i]!
    if (inImport) {
      imports.push(line)
      if (/;\s*$/.test(line)) inImport = false
      continue
    }
    if (line.trim() === '' || line.startsWith('//')) continue
    if (/^import(\s|\{|\*|")/.test(line)) {
      imports.push(line)
      inImport = !/;\s*$/.test(line)
      continue
    }
    break
  }
  const body = lines.slice(i)
  const stray = body.find((line) => /^(import(\s|\{|\*|")|export\s)/.test(line))
  if (stray) throw new Error(`${relative(repoRoot, path)}: cannot wrap its top-level await; unexpected top-level statement after the imports: ${stray}`)
  return `${imports.join('\n')}\nvoid (async () => {\n${body.join('\n')}\n})();\n`
}

const entryTopLevelAwait: Plugin = {
  name: 'entry-top-level-await',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]main\.ts$/ }, async (args) => {
      if (args.path !== entry) return undefined
      return { contents: await wrapTopLevelAwait(await readFile(args.path, 'utf8'), args.path), loader: 'js', resolveDir: dirname(args.path) }
    })
  },
}

// ---------------------------------------------------------------------------------------------------------------
// inline-protos

interface ProtoLoader {
  loadSync(file: string, options?: object): Record<string, unknown>
  fromJSON(json: object, options?: object): Record<string, unknown>
}

interface ProtoPatch {
  /** The library file, relative to node_modules. */
  file: string
  /** The call that reads the .proto from disk, exactly as in that library version. */
  pattern: RegExp
  /** The .proto it reads, relative to node_modules. */
  proto: string
  /** The options the library parses it with (keepCase is what changes the parsed descriptor). */
  options: { keepCase?: boolean; [k: string]: unknown }
  /** What reads it: @grpc/proto-loader's loadSync or protobufjs' loadSync. */
  via: 'proto-loader' | 'protobufjs'
  replacement: (json: string) => string
}

const etcdLoadOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }

const protoPatches: ProtoPatch[] = [
  {
    // etcd3 1.1.2 lib/connection-pool.js, at module load
    file: 'etcd3/lib/connection-pool.js',
    pattern: /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`, \{/,
    proto: 'etcd3/proto/rpc.proto',
    options: etcdLoadOptions,
    via: 'proto-loader',
    replacement: (json) => `(0, proto_loader_1.fromJSON)(${json}, {`,
  },
  {
    // dockerode 5.0.1 lib/session.js, when a BuildKit session starts
    file: 'dockerode/lib/session.js',
    pattern: /protoLoader\.loadSync\(\s*path\.resolve\(__dirname, "proto", "auth\.proto"\)\s*\)/,
    proto: 'dockerode/lib/proto/auth.proto',
    options: {},
    via: 'proto-loader',
    replacement: (json) => `protoLoader.fromJSON(${json})`,
  },
  {
    // dockerode 5.0.1 lib/buildkit.js, when BuildKit progress is decoded
    file: 'dockerode/lib/buildkit.js',
    pattern: /protobuf\.loadSync\(\s*path\.resolve\(__dirname, "proto", "buildkit_status\.proto"\)\s*\)/,
    proto: 'dockerode/lib/proto/buildkit_status.proto',
    options: {},
    via: 'protobufjs',
    replacement: (json) => `protobuf.Root.fromJSON(${json})`,
  },
]

/** The descriptor as JSON, parsed the way the library parses it. */
function protoJson(protoFile: string, keepCase: boolean): object {
  return new protobuf.Root().loadSync(protoFile, { keepCase }).toJSON()
}

/** A package definition without what depends on file names (fileDescriptorProtos) — what gRPC uses. */
function comparable(def: Record<string, unknown>): unknown {
  return JSON.parse(
    JSON.stringify(def, (key, value: unknown) => (key === 'fileDescriptorProtos' ? undefined : typeof value === 'function' ? `fn:${(value as { name: string }).name}` : value)),
  )
}

/**
 * Proves the inlined descriptor equivalent to the file: @grpc/proto-loader (the copy the library itself
 * requires) gives the same services, method paths and message descriptors from both; protobufjs gives the same
 * root and the same bytes for a message.
 */
function checkEquivalent(patch: ProtoPatch, libFile: string, protoFile: string, json: object): void {
  const libRequire = createRequire(libFile)
  if (patch.via === 'proto-loader') {
    const loader = libRequire('@grpc/proto-loader') as ProtoLoader
    const fromFile = comparable(loader.loadSync(protoFile, patch.options))
    const fromJson = comparable(loader.fromJSON(json, patch.options))
    if (!isDeepStrictEqual(fromFile, fromJson)) throw new Error(`inline-protos: ${patch.proto} from JSON differs from the file (proto-loader)`)
  } else {
    const pb = libRequire('protobufjs') as typeof protobuf
    const fromFile = pb.loadSync(protoFile)
    const fromJson = pb.Root.fromJSON(json)
    if (!isDeepStrictEqual(fromFile.toJSON(), fromJson.toJSON())) throw new Error(`inline-protos: ${patch.proto} from JSON differs from the file (protobufjs)`)
    const type = 'moby.buildkit.v1.StatusResponse'
    const sample = { vertexes: [{ digest: 'sha256:1', name: 'step', cached: true }], logs: [{ vertex: 'sha256:1', stream: 1, msg: Buffer.from('hi') }] }
    const a = fromFile.lookupType(type).encode(sample).finish()
    const b = fromJson.lookupType(type).encode(sample).finish()
    if (!Buffer.from(a).equals(Buffer.from(b))) throw new Error(`inline-protos: ${type} encodes differently from JSON`)
  }
}

const inlineProtos: Plugin = {
  name: 'inline-protos',
  setup(b) {
    const seen = new Set<string>()
    b.onLoad({ filter: /[\\/]node_modules[\\/](etcd3[\\/]lib[\\/]connection-pool|dockerode[\\/]lib[\\/](session|buildkit))\.js$/ }, async (args) => {
      const patch = protoPatches.find((p) => args.path.replaceAll('\\', '/').endsWith(`/node_modules/${p.file}`))
      if (!patch) return undefined
      const source = await readFile(args.path, 'utf8')
      if (!patch.pattern.test(source))
        throw new Error(`inline-protos: ${patch.file} no longer reads ${patch.proto} the way this plugin expects (library upgraded?); update build/bundle.ts`)
      const protoFile = join(args.path.slice(0, args.path.lastIndexOf('node_modules') + 'node_modules'.length), patch.proto)
      const json = protoJson(protoFile, patch.options.keepCase === true)
      checkEquivalent(patch, args.path, protoFile, json)
      seen.add(patch.file)
      return { contents: source.replace(patch.pattern, () => patch.replacement(JSON.stringify(json))), loader: 'js' }
    })
    b.onEnd((result) => {
      if (result.errors.length > 0) return
      // The packages in the bundle (a library the sources no longer import needs no patch).
      const inputs = Object.keys(result.metafile?.inputs ?? {}).map((f) => f.replaceAll('\\', '/'))
      const bundled = (file: string) => {
        const pkg = `node_modules/${file.split('/')[0]}/`
        return inputs.some((f) => f.startsWith(pkg) || f.includes(`/${pkg}`))
      }
      const missing = protoPatches.filter((p) => !seen.has(p.file) && bundled(p.file)).map((p) => p.file)
      // A patch that never applied to a bundled library means it moved its proto loading elsewhere: fail rather than ship a reader of files.
      if (missing.length > 0) throw new Error(`inline-protos: these files were not in the bundle any more: ${missing.join(', ')}; check where the .proto files are read now`)
    })
  },
}

// ---------------------------------------------------------------------------------------------------------------
// stub-native

/**
 * Optional native code, each required inside try/catch with a pure-JS fallback:
 *   *.node          ssh2's sshcrypto.node and cpu-features' binding (docker-over-ssh only)
 *   cpu-features    ssh2's cipher preference probe
 *   supports-color  debug's colour detection
 *   bufferutil, utf-8-validate  ws' native masking and UTF-8 check
 */
const stubbed = /^(cpu-features|supports-color|bufferutil|utf-8-validate)$|\.node$/

const stubNative: Plugin = {
  name: 'stub-native',
  setup(b) {
    b.onResolve({ filter: stubbed }, (args) => ({ path: args.path, namespace: 'stub-native' }))
    b.onLoad({ filter: /.*/, namespace: 'stub-native' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not available in the kubebox single executable`)});`,
      loader: 'js',
    }))
  },
}

// ---------------------------------------------------------------------------------------------------------------
// lazy-requires

interface LazyRequire {
  /** The library file, relative to node_modules. */
  file: string
  /** The top-level require of a module whose export is a function, exactly as in that library version. */
  pattern: string
  module: string
}

const lazyRequires: LazyRequire[] = [
  // docker-modem 5.0.7 lib/modem.js: the ssh agent, used only for DOCKER_HOST=ssh://…
  { file: 'docker-modem/lib/modem.js', pattern: "  ssh = require('./ssh'),", module: './ssh' },
  // dockerode 5.0.1 lib/docker.js: the BuildKit session of buildImage (version 2), never used by kubebox
  { file: 'dockerode/lib/docker.js', pattern: "  withSession = require('./session'),", module: './session' },
]

const lazyRequire: Plugin = {
  name: 'lazy-requires',
  setup(b) {
    const seen = new Set<string>()
    b.onLoad({ filter: /[\\/]node_modules[\\/](docker-modem[\\/]lib[\\/]modem|dockerode[\\/]lib[\\/]docker)\.js$/ }, async (args) => {
      const patch = lazyRequires.find((p) => args.path.replaceAll('\\', '/').endsWith(`/node_modules/${p.file}`))
      if (!patch) return undefined
      const source = await readFile(args.path, 'utf8')
      if (source.split(patch.pattern).length !== 2) throw new Error(`lazy-requires: ${patch.file} no longer has \`${patch.pattern.trim()}\` (library upgraded?); update build/bundle.ts`)
      seen.add(patch.file)
      const name = patch.pattern.trim().split(' ')[0]
      return { contents: source.replace(patch.pattern, `  ${name} = function () { return require(${JSON.stringify(patch.module)}).apply(this, arguments); },`), loader: 'js' }
    })
    b.onEnd((result) => {
      if (result.errors.length > 0) return
      const missing = lazyRequires.filter((p) => !seen.has(p.file)).map((p) => p.file)
      if (missing.length > 0) throw new Error(`lazy-requires: these files were not in the bundle any more: ${missing.join(', ')}; check build/bundle.ts`)
    })
  },
}

// ---------------------------------------------------------------------------------------------------------------
// lazy-descriptors

/** @grpc/proto-loader 0.7.15 build/src/index.js: each replaced text, exactly as in that version, and its lazy form. */
const PROTO_LOADER = 'node_modules/@grpc/proto-loader/build/src/index.js'
const lazyDescriptorPatches: [string, string][] = [
  [
    `function createMessageDefinition(message, fileDescriptors) {
    const messageDescriptor = message.toDescriptor('proto3');
    return {
        format: 'Protocol Buffer 3 DescriptorProto',
        type: messageDescriptor.$type.toObject(messageDescriptor, descriptorOptions),
        fileDescriptorProtos: fileDescriptors,
    };
}`,
    `function createMessageDefinition(message, fileDescriptors) {
    return lazyDefinition('Protocol Buffer 3 DescriptorProto', message, fileDescriptors);
}
function lazyDefinition(format, reflected, fileDescriptors) {
    let type;
    return {
        format,
        get type() {
            if (type === undefined) {
                const d = reflected.toDescriptor('proto3');
                type = d.$type.toObject(d, descriptorOptions);
            }
            return type;
        },
        get fileDescriptorProtos() { return fileDescriptors(); },
    };
}`,
  ],
  [
    `function createEnumDefinition(enumType, fileDescriptors) {
    const enumDescriptor = enumType.toDescriptor('proto3');
    return {
        format: 'Protocol Buffer 3 EnumDescriptorProto',
        type: enumDescriptor.$type.toObject(enumDescriptor, descriptorOptions),
        fileDescriptorProtos: fileDescriptors,
    };
}`,
    `function createEnumDefinition(enumType, fileDescriptors) {
    return lazyDefinition('Protocol Buffer 3 EnumDescriptorProto', enumType, fileDescriptors);
}`,
  ],
  [
    `    const descriptorList = root.toDescriptor('proto3').file;
    const bufferList = descriptorList.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish()));
    for (const [name, obj] of getAllHandledReflectionObjects(root, '')) {`,
    `    let buffers;
    const bufferList = () => (buffers !== null && buffers !== void 0 ? buffers : (buffers = root.toDescriptor('proto3').file.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish()))));
    for (const [name, obj] of getAllHandledReflectionObjects(root, '')) {`,
  ],
]

const lazyDescriptors: Plugin = {
  name: 'lazy-descriptors',
  setup(b) {
    let seen = false
    b.onLoad({ filter: /[\\/]node_modules[\\/]@grpc[\\/]proto-loader[\\/]build[\\/]src[\\/]index\.js$/ }, async (args) => {
      const path = args.path.replaceAll('\\', '/')
      // Only the top-level copy (etcd3's); another version nested elsewhere is left as it is.
      if (!path.endsWith(`/${PROTO_LOADER}`) || path.slice(0, -PROTO_LOADER.length).includes('node_modules')) return undefined
      let source = await readFile(args.path, 'utf8')
      for (const [from, to] of lazyDescriptorPatches) {
        if (source.split(from).length !== 2) throw new Error(`lazy-descriptors: ${PROTO_LOADER} no longer has ${JSON.stringify(from.split('\n')[0])} as expected (library upgraded?); update build/bundle.ts`)
        source = source.replace(from, () => to)
      }
      seen = true
      return { contents: source, loader: 'js' }
    })
    b.onEnd((result) => {
      if (result.errors.length > 0 || seen) return
      if (Object.keys(result.metafile?.inputs ?? {}).some((f) => f.replaceAll('\\', '/').endsWith(PROTO_LOADER)))
        throw new Error(`lazy-descriptors: ${PROTO_LOADER} is bundled but was not patched; check build/bundle.ts`)
    })
  },
}

/**
 * The bundle with every character outside ASCII escaped. esbuild escapes them in strings, templates, regular
 * expressions and identifiers (charset ascii) but not in comments; one `→` in a comment makes V8 keep the whole
 * source as a two-byte string (10 MB instead of 5). `\uXXXX` means the same character wherever else it may be.
 */
export function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

// ---------------------------------------------------------------------------------------------------------------

/** Imports esbuild left to run time that are not Node builtins (unresolved optional requires included): each would fail inside the executable. */
export function strayImports(metafile: Metafile): string[] {
  const names = new Set<string>()
  for (const output of Object.values(metafile.outputs)) for (const imp of output.imports) if (imp.external && !isBuiltin(imp.path)) names.add(imp.path)
  return [...names].sort()
}

export interface BundleResult {
  file: string
  bytes: number
  metafile: Metafile
}

/**
 * How the bundle is minified: `whitespace` (the default) drops comments and layout and keeps every name, so that
 * stack traces still name functions; it makes the source V8 holds for the process's life a third smaller (5.5 →
 * 3.8 MB) and its start a little faster. `true` also renames (smaller still, stack traces harder to read); `false`
 * keeps the bundle readable (MINIFY=0).
 */
export type Minify = boolean | 'whitespace'

/** MINIFY=1 (all), MINIFY=0 (none), else whitespace. */
export const minifyFromEnv = (value = process.env.MINIFY): Minify => (value === '1' ? true : value === '0' ? false : 'whitespace')

export async function bundle(opts: { minify?: Minify } = {}): Promise<BundleResult> {
  const started = Date.now()
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    outfile: bundleFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    ...((opts.minify ?? 'whitespace') === 'whitespace' ? { minifyWhitespace: true } : { minify: opts.minify === true }),
    metafile: true,
    logLevel: 'warning',
    logOverride: {
      // Optional requires inside try/catch that the stubs or lazy code paths take care of.
      'require-resolve-not-external': 'silent',
    },
    define: { 'import.meta.url': 'import_meta_url' },
    inject: [join(repoRoot, 'build/shims/import-meta-url.ts')],
    plugins: [entryTopLevelAwait, inlineProtos, lazyRequire, lazyDescriptors, stubNative],
  })
  const code = asciiOnly(await readFile(bundleFile, 'utf8'))
  await writeFile(bundleFile, code)
  const stray = strayImports(result.metafile)
  if (stray.length > 0) throw new Error(`the bundle still requires from disk: ${stray.join(', ')} (bundle them or add them to stub-native)`)
  if (/loadSync\([^)]*\.proto/.test(code)) throw new Error('the bundle still loads a .proto file from disk')
  console.log(`bundle: ${relative(repoRoot, bundleFile)} ${(code.length / 1e6).toFixed(2)} MB, ${Object.keys(result.metafile.inputs).length} modules, ${Date.now() - started} ms`)
  return { file: bundleFile, bytes: Buffer.byteLength(code), metafile: result.metafile }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await bundle({ minify: minifyFromEnv() })
}
