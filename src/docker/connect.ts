import type Dockerode from 'dockerode'

/**
 * A dockerode client, loaded on first use (dockerode and its protobuf stack cost start-up time that the
 * fake runtime and embedded modes should not pay). `socketPath` default: DOCKER_HOST, else /var/run/docker.sock.
 */
export async function connectDocker(socketPath?: string): Promise<Dockerode> {
  const { default: Docker } = await import('dockerode')
  if (socketPath) return new Docker({ socketPath })
  if (process.env.DOCKER_HOST) return new Docker() // docker-modem reads DOCKER_HOST
  return new Docker({ socketPath: '/var/run/docker.sock' })
}

/** The HTTP status of a dockerode error (404 no such container, 409 conflict…). */
export const dockerStatus = (err: unknown): number | undefined => (err as { statusCode?: number } | undefined)?.statusCode
