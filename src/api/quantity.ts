/** resource.Quantity arithmetic for what the kubelet and the scheduler need: memory in bytes, CPU in cores. */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 }
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 }

/** A resource.Quantity in bytes ('64Mi' → 67108864). */
export function parseBytes(q: string): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(q.trim())
  if (!m) return 0
  const unit = m[2] ?? ''
  return Math.round(Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1))
}

/** A CPU quantity in cores ('250m' → 0.25). */
export function parseCpu(q: string): number {
  const m = /^([0-9.]+)(m)?$/.exec(q.trim())
  if (!m) return 0
  return Number(m[1]) / (m[2] ? 1000 : 1)
}
