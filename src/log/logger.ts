import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino'
import { textDestination } from './text-format.ts'

export type Logger = PinoLogger

/**
 * The root logger: JSON lines to stderr (or a file), one child per component (`logger.child({ component })`).
 * In-process destination, no transport worker threads, so it works inside the single executable.
 */
export function createLogger(opts: { level?: LevelWithSilent; destination?: string; format?: 'json' | 'text' } = {}): Logger {
  const destination = opts.destination
    ? pino.destination({ dest: opts.destination, mkdir: true, sync: false })
    : opts.format === 'text'
      ? textDestination()
      : pino.destination(2)
  return pino({ level: opts.level ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination)
}

/** A logger that drops everything: for tests and library users who pass none. */
export const silentLogger = (): Logger => pino({ level: 'silent' })
