import { MemoryStore } from '../../src/store/memory-store.ts'
import { runStoreContract } from '../contract/store.contract.ts'

runStoreContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})
