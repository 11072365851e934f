#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx); the single executable (npm run build:binary) needs no Node at all.
import { register } from 'tsx/esm/api'

register()
await import('../src/main.ts')
