import { createReadStream, existsSync, readFileSync, watch } from 'node:fs'
import type { Argv } from 'yargs'
import { logFile } from '../cluster/cluster-state.ts'
import { clusterNameOptions, dataDirOf } from './cluster-options.ts'

/** `cluster down|status|kubeconfig|logs`: the commands that manage a cluster started with `up`. */
export function manageCommands(yargs: Argv) {
  return yargs
    .command(
      'down',
      'stop a cluster and remove every container it made',
      (y) => clusterNameOptions(y).option('purge', { type: 'boolean', default: false, describe: 'also delete its data and kubeconfig context' }),
      async (argv) => {
        const { clusterDown } = await import('../cluster/down.ts')
        const { wasRunning, removedContainers } = await clusterDown({ name: argv.name, dataDir: dataDirOf(argv), purge: argv.purge })
        const extra = removedContainers ? ` (removed ${removedContainers} leftover container${removedContainers === 1 ? '' : 's'})` : ''
        process.stdout.write(`cluster "${argv.name}" ${wasRunning ? 'stopped' : 'was not running'}${argv.purge ? '; its data is deleted' : ''}${extra}\n`)
      },
    )
    .command('status', 'show whether a cluster runs, where, and its nodes', (y) => clusterNameOptions(y), async (argv) => {
      const { clusterStatus } = await import('../cluster/status.ts')
      const s = await clusterStatus(dataDirOf(argv))
      if (!s.state) {
        process.stdout.write(`cluster "${argv.name}" does not exist (start it with: cluster up${argv.name === 'default' ? '' : ` --name ${argv.name}`})\n`)
        process.exitCode = 1
        return
      }
      if (!s.running) {
        process.stdout.write(`cluster "${argv.name}" is stopped (last at ${s.state.server})\n`)
        process.exitCode = 1
        return
      }
      const nodes = s.nodes ? s.nodes.map((n) => `${n.name} ${n.ready ? 'Ready' : 'NotReady'}`).join(', ') || 'no nodes' : `API error: ${s.apiError}`
      process.stdout.write(`cluster "${argv.name}" is running at ${s.state.server} (pid ${s.state.pid}, store ${s.state.storeMode}, runtime ${s.state.runtime})\nnodes: ${nodes}\n`)
    })
    .command('kubeconfig', "print a cluster's kubeconfig", (y) => clusterNameOptions(y), async (argv) => {
      const path = `${dataDirOf(argv)}/kubeconfig`
      if (!existsSync(path)) throw new Error(`cluster "${argv.name}" has no kubeconfig yet (start it with: cluster up)`)
      process.stdout.write(readFileSync(path, 'utf8'))
    })
    .command('logs', "print a cluster's log", (y) => clusterNameOptions(y).option('follow', { alias: 'f', type: 'boolean', default: false }), async (argv) => {
      const path = logFile(dataDirOf(argv))
      if (!existsSync(path)) throw new Error(`cluster "${argv.name}" has no log (it runs in the foreground, or never started)`)
      if (!argv.follow) return void process.stdout.write(readFileSync(path))
      let offset = 0
      const drain = () =>
        new Promise<void>((resolve) => {
          const s = createReadStream(path, { start: offset })
          s.on('data', (c) => {
            offset += c.length
            process.stdout.write(c)
          })
          s.on('end', resolve)
        })
      await drain()
      watch(path, () => void drain())
      await new Promise(() => {})
    })
}
