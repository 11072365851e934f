/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): where the CPU time went, by function (self time), by
 * file, by area (etcd3 client, gRPC, JSON, field manager, registry, scheduler, kubelet, watch fan-out, GC…) and,
 * for kubebox's own functions, inclusive time (the function and everything it called).
 *
 *   npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [top=25]
 *
 * bench/scale.bench.ts calls summarizeProfile() with a time window (CLOCK_MONOTONIC µs, the clock V8's profile
 * timestamps and process.hrtime share) so that start-up (tsx compiling the sources) is left out.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'esbuild'
import { SourceMapConsumer } from 'source-map-js'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  /** Sampled time in the window (ms), idle included. */
  totalMs: number
  /** Sampled time minus (idle) (ms). */
  busyMs: number
  windowed: boolean
  selfByFunction: Array<[string, number]>
  selfByFile: Array<[string, number]>
  selfByArea: Array<[string, number]>
  inclusiveByFunction: Array<[string, number]>
  /** Every sample charged to the innermost kubebox (src/) function on its stack: who causes GC-free library time. */
  nearestOwnFunction: Array<[string, number]>
  nearestOwnFile: Array<[string, number]>
}

const root = fileURLToPath(new URL('..', import.meta.url))

function shortUrl(url: string): string {
  if (!url) return ''
  let u = url.startsWith('file://') ? fileURLToPath(url) : url
  if (u.startsWith(root)) u = u.slice(root.length)
  const nm = u.lastIndexOf('node_modules/')
  return nm >= 0 ? u.slice(nm) : u
}

/** Which part of the system a frame belongs to (by its file; native frames by name). */
export function areaOf(cf: CallFrame): string {
  const url = shortUrl(cf.url)
  const fn = cf.functionName
  if (!url) {
    if (fn === '(garbage collector)') return 'GC'
    if (fn === '(idle)') return '(idle)'
    if (fn === '(program)') return '(program: V8/native, unattributed)'
    if (fn === 'parse' || fn === 'stringify') return 'JSON parse/stringify (native)'
    if (fn === 'structuredClone') return 'structuredClone (deep copies)'
    return `native: ${fn || '(anonymous)'}`
  }
  const rules: Array<[RegExp, string]> = [
    [/node_modules\/etcd3\//, 'etcd3 client'],
    [/node_modules\/@grpc\//, 'gRPC (etcd3 transport)'],
    [/node_modules\/protobufjs|node_modules\/@protobufjs/, 'protobuf (gRPC messages)'],
    [/node_modules\/(cockatiel|bignumber\.js)\//, 'etcd3 client'],
    [/node_modules\/(koa|koa-compose|raw-body|http-errors|statuses|on-finished|accepts|negotiator|type-is|content-type|mime-types|delegates|cookies|vary|fresh|encodeurl|escape-html|depd|destroy)/, 'Koa / HTTP middleware'],
    [/node_modules\/pino/, 'logging (pino)'],
    [/node_modules\/(tsx|esbuild|get-tsconfig)/, 'tsx / esbuild (loading sources)'],
    [/node_modules\/(fast-json-patch|json-merge-patch)/, 'JSON patch libraries'],
    [/node_modules\//, 'other dependencies'],
    [/^node:internal\/worker\/js_transferable/, 'structuredClone (deep copies)'],
    [/^node:internal\/crypto/, 'Node crypto (uids, hashes)'],
    [/^node:(internal\/)?(http|_http|net|stream|internal\/streams|internal\/http|dns|tls)|^node:internal\/(js_stream_socket|stream_base_commons)/, 'Node http/net/streams'],
    [/^node:internal\/(timers|process\/task_queues|async_hooks|process\/promises)|^node:timers/, 'Node timers/microtasks'],
    [/^node:internal\/(modules|vm|fs|url)|^node:(fs|vm|url|module)/, 'Node modules/fs/url'],
    [/^node:/, 'Node (other)'],
    [/src\/apiserver\/apply\//, 'field manager (server-side apply, managedFields)'],
    [/src\/apiserver\/registry\/watch-(cache|selection)/, 'watch cache / fan-out'],
    [/src\/apiserver\/handlers\/watch/, 'watch handler (HTTP streams)'],
    [/src\/apiserver\/registry\//, 'registry (generic-registry, codec)'],
    [/src\/apiserver\/(validation|patch)|src\/api\/(validation|schema)/, 'validation / defaulting / patch'],
    [/src\/apiserver\/selectors\//, 'label/field selectors'],
    [/src\/apiserver\/resources\//, 'resource strategies (pods, nodes…)'],
    [/src\/apiserver\//, 'API server (dispatch, handlers, rendering)'],
    [/src\/store\/etcd/, 'etcd store (kubebox)'],
    [/src\/store\//, 'store (memory / embedded)'],
    [/src\/scheduler\//, 'scheduler'],
    [/src\/kubelet\/runtime\//, 'kubelet runtime (fake)'],
    [/src\/kubelet\//, 'kubelet sync / status'],
    [/src\/client\/(informer|informer-factory|reflector|shared)/, 'informers'],
    [/src\/client\//, 'clients (loopback, events)'],
    [/src\/controllers\//, 'controllers'],
    [/src\/bus\//, 'event bus'],
    [/src\/(log|util)\//, 'util / logging'],
    [/src\//, 'kubebox (other)'],
  ]
  for (const [re, area] of rules) if (re.test(url)) return area
  return 'other'
}

/**
 * tsx loads the sources with esbuild's minifyWhitespace, so a profile's positions are in one-line code. The same
 * transform (tsx's options) gives a source map back to the .ts line. The file may have changed since: approximate.
 */
const maps = new Map<string, SourceMapConsumer | null>()
function sourceLine(url: string, line: number, column: number): number {
  if (!url.startsWith('file://') || !url.endsWith('.ts')) return line + 1
  const path = fileURLToPath(url)
  let map = maps.get(path)
  if (map === undefined) {
    try {
      const out = transformSync(readFileSync(path, 'utf8'), { target: `node${process.versions.node}`, loader: 'ts', format: 'esm', sourcefile: path, sourcemap: true, minifyWhitespace: true, keepNames: true })
      map = new SourceMapConsumer(JSON.parse(out.map))
    } catch {
      map = null
    }
    maps.set(path, map)
  }
  return map?.originalPositionFor({ line: line + 1, column }).line ?? line + 1
}

const frameKey = (cf: CallFrame) => `${cf.functionName || '(anonymous)'}  ${shortUrl(cf.url)}${cf.url ? `:${sourceLine(cf.url, cf.lineNumber, cf.columnNumber)}` : ''}`

function add(map: Map<string, number>, key: string, v: number): void {
  map.set(key, (map.get(key) ?? 0) + v)
}

const sorted = (m: Map<string, number>, top: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)

/** Self and inclusive time from a profile, optionally only the samples taken within [fromUs, toUs] (monotonic µs). */
export function summarizeProfile(profile: CpuProfile, opts: { fromUs?: number; toUs?: number; top?: number } = {}): ProfileSummary {
  const top = opts.top ?? 25
  const byId = new Map<number, ProfileNode>()
  const parent = new Map<number, number>()
  for (const n of profile.nodes) byId.set(n.id, n)
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // Samples within the window; if none fall in it (clocks not comparable), the whole profile.
  const picked: Array<[number, number]> = []
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!
    // A sample's time is the interval up to the next one.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000
    if ((opts.fromUs === undefined || t >= opts.fromUs) && (opts.toUs === undefined || t <= opts.toUs)) picked.push([profile.samples[i]!, dt])
  }
  const windowed = picked.length > 0 && (opts.fromUs !== undefined || opts.toUs !== undefined)
  if (picked.length === 0) {
    for (let i = 0; i < profile.samples.length; i++) picked.push([profile.samples[i]!, (profile.timeDeltas[i + 1] ?? 0) / 1000])
  }
  const selfFn = new Map<string, number>()
  const selfFile = new Map<string, number>()
  const selfArea = new Map<string, number>()
  const incl = new Map<string, number>()
  const nearFn = new Map<string, number>()
  const nearFile = new Map<string, number>()
  const nearest = new Map<number, CallFrame | null>()
  const nearestOwn = (id: number): CallFrame | null => {
    let cf = nearest.get(id)
    if (cf !== undefined) return cf
    cf = null
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame
      if (shortUrl(f.url).startsWith('src/')) {
        cf = f
        break
      }
    }
    nearest.set(id, cf)
    return cf
  }
  let totalMs = 0
  let idleMs = 0
  const ancestry = new Map<number, string[]>()
  const ownFramesOf = (id: number): string[] => {
    let keys = ancestry.get(id)
    if (keys) return keys
    const set = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame
      if (shortUrl(cf.url).startsWith('src/')) set.add(frameKey(cf))
    }
    keys = [...set]
    ancestry.set(id, keys)
    return keys
  }
  for (const [id, ms] of picked) {
    const cf = byId.get(id)!.callFrame
    totalMs += ms
    if (cf.functionName === '(idle)') {
      idleMs += ms
      continue
    }
    add(selfFn, frameKey(cf), ms)
    add(selfFile, shortUrl(cf.url) || `(native) ${cf.functionName}`, ms)
    add(selfArea, areaOf(cf), ms)
    for (const k of ownFramesOf(id)) add(incl, k, ms)
    const own = nearestOwn(id)
    add(nearFn, own ? frameKey(own) : `(no kubebox frame) ${areaOf(cf)}`, ms)
    add(nearFile, own ? shortUrl(own.url) : `(no kubebox frame) ${areaOf(cf)}`, ms)
  }
  return {
    totalMs,
    busyMs: totalMs - idleMs,
    windowed,
    selfByFunction: sorted(selfFn, top),
    selfByFile: sorted(selfFile, top),
    selfByArea: sorted(selfArea, 40),
    inclusiveByFunction: sorted(incl, top),
    nearestOwnFunction: sorted(nearFn, top),
    nearestOwnFile: sorted(nearFile, top),
  }
}

/**
 * `cpuSeconds`: the process's CPU time over the same window. On a loaded machine a sampled "busy" thread is often
 * waiting for a core, so sampled ms overstate CPU; shares of busy time are then shown with share × cpuSeconds.
 */
export function formatSummary(s: ProfileSummary, title: string, cpuSeconds?: number): string {
  const pct = (ms: number) => `${((ms / s.busyMs) * 100).toFixed(1)}%`.padStart(7)
  const abs = (ms: number) => (cpuSeconds === undefined ? `${(ms / 1000).toFixed(2)} s` : `${((ms / s.busyMs) * cpuSeconds).toFixed(2)} s`)
  const row = ([k, ms]: [string, number]) => `  ${pct(ms)} ${abs(ms).padStart(8)}  ${k}`
  return [
    `\n${title}\n  ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.totalMs / 1000).toFixed(1)} s sampled${s.windowed ? ' (measured window only)' : ' (whole process)'}` +
      (cpuSeconds === undefined ? '; % of busy time, sampled seconds' : `; % of busy time, and that share of the ${cpuSeconds.toFixed(1)} s of CPU time the process used`),
    '\n by area (self time):',
    ...s.selfByArea.map(row),
    '\n top functions by self time:',
    ...s.selfByFunction.map(row),
    '\n top files by self time:',
    ...s.selfByFile.map(row),
    '\n kubebox functions by inclusive time (itself and what it calls):',
    ...s.inclusiveByFunction.map(row),
    '\n all time charged to the innermost kubebox function on the stack (library/native/JSON time goes to its caller):',
    ...s.nearestOwnFunction.map(row),
    '\n the same by kubebox file:',
    ...s.nearestOwnFile.map(row),
  ].join('\n')
}

export async function readProfile(path: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(path, 'utf8')) as CpuProfile
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2)
  if (!file) {
    console.error('usage: tsx bench/cpuprofile-summary.ts <file.cpuprofile> [top]')
    process.exit(2)
  }
  console.log(formatSummary(summarizeProfile(await readProfile(file), { top: Number(top ?? 25) }), file))
}
