import { ApiError } from '../../errors/api-error.ts'
import { KeyExistsError, KeyNotFoundError, type Store } from '../../store/store.ts'
import type { AllocationPool, StrategyServices } from '../registry/resource-definition.ts'
import { formatIpv4, parseCidr, parseIpv4, type Ipv4Range } from './cidr.ts'

const NODE_PORT_MIN = 30000
const NODE_PORT_MAX = 32767
const RANDOM_TRIES = 64

interface Pool {
  /** Every candidate as a number, in order. */
  first: number
  last: number
  format(n: number): string
  parse(value: string): number | undefined
  describe: string
}

/**
 * Unique values (service ClusterIPs, NodePorts), each held by one key in the store
 * (`/registry/allocations/<pool>/<value>`), taken with create-if-absent. The store is the only state:
 * uniqueness holds across API server processes and restarts.
 */
export class StoreAllocator implements StrategyServices {
  private readonly pools: Record<AllocationPool, Pool>

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    serviceCidr: string,
  ) {
    const range: Ipv4Range = parseCidr(serviceCidr)
    this.pools = {
      // The network address, the first address (the `kubernetes` service's) and the broadcast are not handed out.
      clusterIP: { first: range.base + 2, last: range.base + range.size - 2, format: formatIpv4, parse: parseIpv4, describe: `the range ${range.cidr}` },
      nodePort: { first: NODE_PORT_MIN, last: NODE_PORT_MAX, format: String, parse: (v) => (/^\d+$/.test(v) ? Number(v) : undefined), describe: `the range ${NODE_PORT_MIN}-${NODE_PORT_MAX}` },
    }
  }

  /** The first address of the range: reserved for the `kubernetes` service. */
  static firstAddress(serviceCidr: string): string {
    return formatIpv4(parseCidr(serviceCidr).base + 1)
  }

  private key(pool: AllocationPool, value: string): string {
    return `${this.prefix}/allocations/${pool}/${value}`
  }

  async allocate(poolName: AllocationPool, requested?: string): Promise<string> {
    const pool = this.pools[poolName]
    if (requested) {
      const n = pool.parse(requested)
      const reserved = poolName === 'clusterIP' && n === pool.first - 1
      if (n === undefined || ((n < pool.first || n > pool.last) && !reserved))
        throw new ApiError(422, 'Invalid', `Invalid value: "${requested}": provided ${poolName} is not in ${pool.describe}`)
      if (!(await this.take(poolName, requested)))
        throw new ApiError(422, 'Invalid', `Invalid value: "${requested}": provided ${poolName} is already allocated`)
      return requested
    }
    const span = pool.last - pool.first + 1
    // Random probes first (cheap when the pool is mostly free), then a scan so a nearly full pool still works.
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const value = pool.format(pool.first + Math.floor(Math.random() * span))
      if (await this.take(poolName, value)) return value
    }
    const used = new Set((await this.store.list(`${this.prefix}/allocations/${poolName}/`)).items.map((kv) => kv.key.slice(kv.key.lastIndexOf('/') + 1)))
    for (let n = pool.first; n <= pool.last; n++) {
      const value = pool.format(n)
      if (!used.has(value) && (await this.take(poolName, value))) return value
    }
    throw new ApiError(500, 'InternalError', `Internal error occurred: failed to allocate a ${poolName}: ${pool.describe} is full`)
  }

  private async take(pool: AllocationPool, value: string): Promise<boolean> {
    try {
      await this.store.create(this.key(pool, value), new Uint8Array())
      return true
    } catch (err) {
      if (err instanceof KeyExistsError) return false
      throw err
    }
  }

  async release(pool: AllocationPool, value: string): Promise<void> {
    try {
      await this.store.delete(this.key(pool, value))
    } catch (err) {
      if (!(err instanceof KeyNotFoundError)) throw err
    }
  }
}
