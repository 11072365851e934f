import type { Argv } from 'yargs'
import { defaults } from '../config/defaults.ts'

/** `--name` (several clusters side by side) and the data dir it implies. */
export function clusterNameOptions<T>(y: Argv<T>) {
  return y
    .option('name', { type: 'string', default: 'default', describe: 'cluster name (several clusters can run side by side)' })
    .option('data-dir', { type: 'string', describe: 'where the cluster keeps its state (default ~/.kubebox/<name>)' })
    .check((argv) => {
      if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(String(argv.name))) throw new Error(`invalid --name "${argv.name}": use lower-case letters, digits and '-'`)
      return true
    })
}

export const dataDirOf = (argv: { name: string; 'data-dir'?: string }) => argv['data-dir'] ?? defaults.dataDir(argv.name)
