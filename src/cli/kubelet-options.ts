import type { Argv } from 'yargs'
import { DEFAULT_POD_INFRA_IMAGE } from '../cluster/images.ts'

/** The kubelet flags `serve` and `agent` share. */
export function kubeletOptions<T>(y: Argv<T>, defaultRuntime: 'auto' | 'docker') {
  return y
    .option('runtime', { type: 'string', default: defaultRuntime, choices: ['auto', 'docker', 'fake', 'none'], describe: 'container runtime of the kubelets (auto: Docker when an engine answers)' })
    .option('nodes', { type: 'number', default: 1, describe: 'how many kubelets (nodes) to run in this process' })
    .option('node-name', { type: 'string', describe: 'name of the (first) node (default: the host name)' })
    .option('node-ip', { type: 'string', default: '127.0.0.1', describe: 'node address: pods report it as hostIP; hostPorts are published on it' })
    .option('pod-infra-image', { type: 'string', default: DEFAULT_POD_INFRA_IMAGE, describe: 'image of the pod sandbox (pause) container' })
    .option('port-forward-image', { type: 'string', describe: 'image of the port-forward helper container, which needs `nc` (default busybox:1.36)' })
    .option('docker-socket', { type: 'string', describe: 'Docker engine socket (default: DOCKER_HOST or /var/run/docker.sock)' })
    .option('cleanup', { type: 'boolean', default: false, describe: "on exit, remove every container of this node's pods" })
}
