import type { Argv } from 'yargs'
import { join } from 'node:path'
import { defaults } from '../config/defaults.ts'
import { kubeletOptions } from './kubelet-options.ts'
import { untilSignal } from '../util/until-signal.ts'
import { settleMemorySoon } from '../cluster/settle-memory.ts'

/** `cluster serve`: the API server in the foreground, on an etcd you run (or on the embedded store). */
export function serveCommand(yargs: Argv) {
  return yargs.command(
    'serve',
    'run the API server (and kubelets) in the foreground on an existing etcd',
    (y) =>
      kubeletOptions(y, 'auto')
        .option('store', { type: 'string', default: 'etcd', choices: ['etcd', 'embedded'], describe: 'the store of record: etcd (--etcd-servers) or embedded (in this process, kept in <data-dir>/store)' })
        .option('etcd-servers', { type: 'string', default: defaults.etcdServers, describe: 'etcd client URLs, comma-separated' })
        .option('port', { type: 'number', default: defaults.port, describe: 'API server port (0 = a free one)' })
        .option('bind-address', { type: 'string', default: defaults.bindAddress, describe: 'address to listen on' })
        .option('kubeconfig', { type: 'string', describe: 'where to write the kubeconfig (default <data-dir>/kubeconfig)' })
        .option('data-dir', { type: 'string', default: defaults.dataDir(), describe: 'directory for the kubeconfig and state' })
        .option('service-cluster-ip-range', { type: 'string', default: defaults.serviceClusterIpRange, describe: 'CIDR that Service ClusterIPs come from' })
        .option('log-level', { type: 'string', default: defaults.logLevel, choices: ['trace', 'debug', 'info', 'warn', 'error', 'silent'] }),
    async (argv) => {
      const [{ createLogger }, { serve }] = await Promise.all([import('../log/logger.ts'), import('../cluster/serve.ts')])
      const log = createLogger({ level: argv['log-level'] as 'info' })
      // Loaded only when asked for, so an etcd-backed server does not pay for it.
      const embedded = argv.store === 'embedded' ? await (await import('../store/embedded-store.ts')).EmbeddedStore.open(join(argv['data-dir'], 'store')) : undefined
      const running = await serve({
        store: embedded,
        etcdServers: argv['etcd-servers'].split(',').map((s) => s.trim()).filter(Boolean),
        port: argv.port,
        bindAddress: argv['bind-address'],
        kubeconfig: argv.kubeconfig,
        dataDir: argv['data-dir'],
        serviceClusterIpRange: argv['service-cluster-ip-range'],
        runtime: argv.runtime as 'auto',
        nodes: argv.nodes,
        nodeName: argv['node-name'],
        nodeAddress: argv['node-ip'],
        podInfraImage: argv['pod-infra-image'],
        portForwardImage: argv['port-forward-image'],
        dockerSocket: argv['docker-socket'],
        cleanup: argv.cleanup,
        log,
      })
      process.stdout.write(`API server listening on ${running.url}\nkubeconfig: ${running.kubeconfigPath}\n`)
      settleMemorySoon((ms) => log.debug({ ms: Math.round(ms) }, 'memory settled after start-up'))
      await untilSignal()
      await running.stop()
      await embedded?.close()
    },
  )
}
