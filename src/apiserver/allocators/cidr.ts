/** IPv4 CIDR arithmetic for the service cluster IP range. */
export interface Ipv4Range {
  base: number
  size: number
  cidr: string
}

export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

export const formatIpv4 = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')

export function parseCidr(cidr: string): Ipv4Range {
  const [ip, bitsText] = cidr.split('/')
  const addr = parseIpv4(ip ?? '')
  const bits = Number(bitsText)
  if (addr === undefined || !/^\d+$/.test(bitsText ?? '') || bits < 8 || bits > 30) throw new Error(`invalid IPv4 CIDR "${cidr}" (want e.g. 10.96.0.0/12, prefix 8 to 30)`)
  const size = 2 ** (32 - bits)
  const base = addr - (addr % size)
  return { base, size, cidr }
}
