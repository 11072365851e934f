import type { Argv } from 'yargs'
import { logFile } from '../cluster/cluster-state.ts'
import { DEFAULT_ETCD_IMAGE, DEFAULT_POD_INFRA_IMAGE } from '../cluster/images.ts'
import { defaults } from '../config/defaults.ts'
import { clusterNameOptions, dataDirOf } from './cluster-options.ts'

/** `cluster up`: a whole cluster, in the background (default) or attached to the terminal. */
export function upCommand(yargs: Argv) {
  return yargs.command(
    'up',
    'start a cluster (etcd, API server, scheduler, controllers, kubelet) and merge its context into ~/.kube/config',
    (y) =>
      clusterNameOptions(y)
        .option('runtime', { type: 'string', default: 'auto', choices: ['auto', 'docker', 'fake', 'none'], describe: 'where pods run (auto: Docker when an engine answers, else fake)' })
        .option('store', { type: 'string', default: 'auto', choices: ['auto', 'etcd', 'embedded'], describe: 'store of record (auto: etcd when Docker or an etcd binary is there, else embedded)' })
        .option('etcd', { type: 'string', default: 'auto', choices: ['auto', 'docker', 'exec'], describe: 'how etcd runs: in a container, or the etcd binary on PATH' })
        .option('etcd-servers', { type: 'string', describe: 'use existing etcd servers (comma-separated URLs) instead' })
        .option('etcd-image', { type: 'string', default: DEFAULT_ETCD_IMAGE, describe: 'etcd image for --etcd docker' })
        .option('nodes', { type: 'number', default: 1 })
        .option('port', { type: 'number', describe: 'API server port (default: the last one, else a free one)' })
        .option('pod-infra-image', { type: 'string', default: DEFAULT_POD_INFRA_IMAGE })
        .option('kubeconfig', { type: 'string', describe: 'write the kubeconfig here instead of merging into ~/.kube/config' })
        .option('foreground', { type: 'boolean', default: false, describe: 'stay attached; logs to the terminal; Ctrl-C stops the cluster' })
        .option('log-level', { type: 'string', default: defaults.logLevel, choices: ['trace', 'debug', 'info', 'warn', 'error', 'silent'] })
        .option('log-format', { type: 'string', choices: ['text', 'json'], describe: 'default: text on a terminal, else json' }),
    async (argv) => {
      const dataDir = dataDirOf(argv)
      const quiet = Boolean(process.env.CI) || !process.stderr.isTTY
      const progress = (line: string) => !quiet && process.stderr.write(`  ${line}\n`)
      const { runClusterForeground, startClusterInBackground } = await import('../cluster/up.ts')
      if (!argv.foreground) {
        const forwarded = ['--name', argv.name, '--data-dir', dataDir, '--runtime', argv.runtime, '--store', argv.store, '--etcd', argv.etcd, '--etcd-image', argv['etcd-image'], '--nodes', String(argv.nodes), '--pod-infra-image', argv['pod-infra-image'], '--log-level', argv['log-level']]
        if (argv['etcd-servers']) forwarded.push('--etcd-servers', argv['etcd-servers'])
        if (argv.port !== undefined) forwarded.push('--port', String(argv.port))
        if (argv.kubeconfig) forwarded.push('--kubeconfig', argv.kubeconfig)
        progress(`starting cluster "${argv.name}" (logs: ${logFile(dataDir)})`)
        const state = await startClusterInBackground({ name: argv.name, dataDir, argv: forwarded })
        process.stdout.write(nextSteps(state.name, state.server, state.kubeconfigPath, state.nodes, state.runtime, state.storeMode))
        return
      }
      const format = (argv['log-format'] ?? (process.stderr.isTTY ? 'text' : 'json')) as 'text' | 'json'
      const { createLogger } = await import('../log/logger.ts')
      const log = createLogger({ level: argv['log-level'] as 'info', format })
      await runClusterForeground(
        {
          name: argv.name,
          dataDir,
          runtime: argv.runtime as 'auto',
          store: argv.store as 'auto',
          etcd: argv.etcd as 'auto',
          etcdServers: argv['etcd-servers']?.split(',').map((s) => s.trim()).filter(Boolean),
          etcdImage: argv['etcd-image'],
          nodes: argv.nodes,
          port: argv.port,
          podInfraImage: argv['pod-infra-image'],
          kubeconfig: argv.kubeconfig,
          log,
          progress: process.env.KUBEBOX_BACKGROUND ? (line) => log.info(line) : progress,
        },
        (state) => {
          if (!process.env.KUBEBOX_BACKGROUND) process.stdout.write(nextSteps(state.name, state.server, state.kubeconfigPath, state.nodes, state.runtime, state.storeMode) + 'Ctrl-C stops it.\n')
        },
      )
    },
  )
}

function nextSteps(name: string, server: string, kubeconfig: string, nodes: number, runtime: string, store: string): string {
  return [
    `cluster "${name}" is ready at ${server}: ${nodes} node${nodes === 1 ? '' : 's'} (${runtime} runtime), store: ${store === 'memory' || store === 'embedded' ? store : `etcd (${store})`}`,
    `kubectl context: kubebox-${name} (in ${kubeconfig})`,
    '',
    'Try:',
    `  kubectl --context kubebox-${name} get nodes`,
    `  kubectl --context kubebox-${name} create deployment web --image=nginx`,
    `Stop it: cluster down${name === 'default' ? '' : ` --name ${name}`}   (add --purge to delete its data)`,
    '',
  ].join('\n')
}
