/**
 * The Node options of every cluster process: built into the single executable (build/sea.ts) and given by
 * `cluster up` to the process it starts from the sources (up.ts). The API benchmark gives its server the same.
 *   --max-semi-space-size=4   V8's young generation may grow to 2 × 16 MB; an idle cluster keeps what its start-up
 *                             burst grew it to (13 MB committed, measured). At most 2 × 4 MB: its idle RSS is 4–5 MB
 *                             smaller, with no measurable change in the API benchmark's server CPU per operation.
 *   --heap-growing-percent=50 after a full collection V8 lets the old generation grow to up to 4× what survived
 *                             while collecting is cheap, and keeps that committed: under the API benchmark the live
 *                             heap was 31 MB in 97 MB committed. 50 % lets it grow by half: server RSS after the
 *                             benchmark's rows 213 → 148 MB, with a (mostly incremental) mark-compact every ~2 s
 *                             under load and the same CPU per operation. It must be a command-line flag: Node refuses
 *                             it in NODE_OPTIONS.
 */
export const CLUSTER_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50']
