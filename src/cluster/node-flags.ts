/**
 * The Node options of every cluster process: built into the single executable (build/sea.ts) and given by
 * `cluster up` to the process it starts from the sources (up.ts). The API benchmark gives its server the same.
 *   --max-semi-space-size=4   V8's young generation may grow to 2 × 16 MB; an idle cluster keeps what its start-up
 *                             burst grew it to (13 MB committed, measured). At most 2 × 4 MB: its idle RSS is 4–5 MB
 *                             smaller, with no measurable change in the API benchmark's server CPU per operation.
 * Not --heap-growing-percent=50 (let the old generation grow by half of what survived a full collection instead of up
 * to 4×): it took the API benchmark's server RSS after the rows from 191 to 147 MB, but cost 15 % more server CPU
 * for 10,000 pods on 100 nodes (48.1 against 41.9 s), a cluster's heavy moment; the idle RSS did not change.
 */
export const CLUSTER_NODE_FLAGS = ['--max-semi-space-size=4']
