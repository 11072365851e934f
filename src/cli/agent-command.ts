import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Argv } from 'yargs'
import { defaults } from '../config/defaults.ts'
import { kubeletOptions } from './kubelet-options.ts'
import { untilSignal } from '../util/until-signal.ts'
import { settleMemorySoon } from '../cluster/settle-memory.ts'

// What a command runs is imported when it runs (src/cli/cli.ts says why).

/** The server URL of a kubeconfig's current context. */
async function serverFromKubeconfig(path: string): Promise<string> {
  const { parse } = await import('yaml')
  const config = parse(readFileSync(path, 'utf8'))
  const context = config?.contexts?.find((c: any) => c.name === config['current-context'])?.context
  const server = config?.clusters?.find((c: any) => c.name === context?.cluster)?.cluster?.server
  if (!server) throw new Error(`${path}: no server in the current context`)
  return server
}

/** `cluster agent`: only kubelets, joining a cluster served by another `cluster` process over HTTP. */
export function agentCommand(yargs: Argv) {
  return yargs.command(
    'agent',
    'run only kubelets that join a cluster served elsewhere (over HTTP)',
    (y) =>
      kubeletOptions(y, 'docker')
        .option('server', { type: 'string', describe: 'the API server URL' })
        .option('kubeconfig', { type: 'string', describe: 'a kubeconfig whose current context names the server' })
        .option('data-dir', { type: 'string', default: defaults.dataDir('agent'), describe: 'directory for pod volumes' })
        .option('log-level', { type: 'string', default: defaults.logLevel, choices: ['trace', 'debug', 'info', 'warn', 'error', 'silent'] })
        .check((argv) => {
          if (!argv.server && !argv.kubeconfig) throw new Error('name the cluster with --server URL or --kubeconfig PATH')
          return true
        }),
    async (argv) => {
      const [{ createLogger }, { HttpClient }, { startKubelets }] = await Promise.all([
        import('../log/logger.ts'),
        import('../client/http-client.ts'),
        import('../cluster/kubelets.ts'),
      ])
      const log = createLogger({ level: argv['log-level'] as 'info' })
      const server = argv.server ?? (await serverFromKubeconfig(argv.kubeconfig!))
      const client = new HttpClient({ server, userAgent: 'kubelet/kubebox-agent' }) // its writes are the kubelet's in managedFields, as upstream's
      const { kubelets } = await startKubelets({
        client,
        runtime: argv.runtime as 'docker',
        nodes: argv.nodes,
        nodeName: argv['node-name'],
        nodeAddress: argv['node-ip'],
        podInfraImage: argv['pod-infra-image'],
        portForwardImage: argv['port-forward-image'],
        dataDir: argv['data-dir'],
        dockerSocket: argv['docker-socket'],
        // The agent's nodes are told apart from other clusters' on a shared engine by the cluster they join.
        runtimeScope: createHash('sha256').update(server).digest('hex').slice(0, 12),
        log,
      })
      process.stdout.write(`agent running ${kubelets.map((k) => k.nodeName).join(', ') || 'no kubelet'} for ${server}\n`)
      settleMemorySoon((ms) => log.debug({ ms: Math.round(ms) }, 'memory settled after start-up'))
      await untilSignal()
      for (const k of kubelets) await k.stop()
      if (argv.cleanup) for (const k of kubelets) await k.removeAllContainers()
    },
  )
}
