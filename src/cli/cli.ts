import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { agentCommand } from './agent-command.ts'
import { manageCommands } from './manage-commands.ts'
import { upCommand } from './up-command.ts'
import { serveCommand } from './serve-command.ts'

export const VERSION = '0.1.0'

/** The `cluster` command line: flags in, one call into cluster/ per command, no logic of its own. */
export async function runCli(argv = hideBin(process.argv)): Promise<void> {
  let cli = yargs(argv).scriptName('cluster').version(VERSION).strict().demandCommand(1, 'name a command: up, down, status, kubeconfig, logs, serve, agent').recommendCommands()
  cli = manageCommands(upCommand(agentCommand(serveCommand(cli))))
  await cli
    .fail((msg, err) => {
      // One line and a non-zero exit, never a stack trace, for anything the user can fix.
      process.stderr.write(`cluster: ${msg ?? err?.message ?? 'failed'}\n`)
      process.exit(1)
    })
    .help()
    .parseAsync()
}
