/**
 * The scheduler's scores, as pure functions over what the cache keeps per node. Integer arithmetic, as upstream's
 * int64 scores, so that near-equal nodes tie and the tie-break decides.
 */
import type { ResourceList } from './fit.ts'

export const MAX_NODE_SCORE = 100
/** Weights of the default profile: NodeResourcesFit 1, PodTopologySpread (which replaced SelectorSpread) 2. */
export const LEAST_ALLOCATED_WEIGHT = 1
export const SPREAD_WEIGHT = 2

/** One resource's leastRequestedScore: the share left free after placing the pod, 0 when it does not fit. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity)
}

/**
 * NodeResourcesFit with the LeastAllocated strategy over cpu and memory (weight 1 each): how empty the node stays
 * with the pod on it. `requested` are the node's non-zero requests (see PodInfo.nonZero), without the pod.
 */
export function leastAllocatedScore(pod: { cpu: number; memory: number }, requested: { cpu: number; memory: number }, allocatable: ResourceList): number {
  const cpu = leastRequested(requested.cpu + pod.cpu, allocatable.cpu ?? 0)
  const memory = leastRequested(requested.memory + pod.memory, allocatable.memory ?? 0)
  return Math.floor((cpu + memory) / 2)
}

/**
 * Spreading replicas of one owner (SelectorSpread's node score): fewer of the owner's pods on a node scores
 * higher, `100 * (max - count) / max` over the candidate nodes; every node scores 100 while none has one.
 */
export function spreadScores(counts: readonly number[]): number[] {
  const max = counts.reduce((m, c) => Math.max(m, c), 0)
  if (max === 0) return counts.map(() => MAX_NODE_SCORE)
  return counts.map((c) => Math.floor((MAX_NODE_SCORE * (max - c)) / max))
}

export interface Candidate {
  name: string
  /** The weighted sum of the node's scores. */
  score: number
  /** Pods on the node: the first tie-break. */
  pods: number
}

/** The weighted total of one node. */
export const totalScore = (leastAllocated: number, spread: number): number => LEAST_ALLOCATED_WEIGHT * leastAllocated + SPREAD_WEIGHT * spread

/**
 * The node to bind to: the highest score; among equals the one with fewer pods, then the first name. Upstream
 * picks randomly among the best; a fixed order keeps placements reproducible (tests, `describe`).
 */
export function selectHost(candidates: readonly Candidate[]): string | undefined {
  let best: Candidate | undefined
  for (const c of candidates)
    if (!best || c.score > best.score || (c.score === best.score && (c.pods < best.pods || (c.pods === best.pods && c.name < best.name)))) best = c
  return best?.name
}
