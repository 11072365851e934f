/**
 * Injected into the CommonJS bundle (build/bundle.ts) for every `import.meta.url`, which CommonJS lacks: the
 * file URL of the bundle itself (inside the single executable, of the executable). yargs 18 calls
 * createRequire(import.meta.url) with it.
 */
import { pathToFileURL } from 'node:url'

export const import_meta_url: string = pathToFileURL(__filename).href
