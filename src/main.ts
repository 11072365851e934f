import { runCli } from './cli/cli.ts'

await runCli()
