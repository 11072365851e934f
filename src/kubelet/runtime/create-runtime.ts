import type { ContainerRuntime } from './container-runtime.ts'

export type RuntimeType = 'docker' | 'fake'

/**
 * The runtime of a kind, loaded on demand: dockerode (and its gRPC/protobuf stack) is only imported when
 * Docker is used, so the fake runtime and the API alone start without paying for it.
 */
export async function createRuntime(type: RuntimeType, opts: { dockerSocket?: string; fakeStartDelayMs?: number } = {}): Promise<ContainerRuntime> {
  if (type === 'fake') {
    const { FakeRuntime } = await import('./fake-runtime.ts')
    // A cluster's fake runtime lives as long as the cluster: no call log (it is for tests).
    return new FakeRuntime({ startDelayMs: opts.fakeStartDelayMs ?? 0, recordCalls: false })
  }
  const { DockerRuntime } = await import('./docker-runtime.ts')
  return new DockerRuntime({ socketPath: opts.dockerSocket })
}

/** Does a Docker engine answer (within a second)? */
export async function dockerAnswers(dockerSocket?: string): Promise<boolean> {
  const runtime = await createRuntime('docker', { dockerSocket })
  try {
    await Promise.race([runtime.version(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref())])
    return true
  } catch {
    return false
  }
}
