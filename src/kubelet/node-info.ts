import { readFileSync, statfsSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'

/** The kubelet version we report; kubectl prints it in `get nodes` VERSION. */
export const KUBELET_VERSION = 'v1.32.0-kubebox'

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}

function osImage(): string {
  const line = readTrimmed('/etc/os-release').split('\n').find((l) => l.startsWith('PRETTY_NAME='))
  return line ? line.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '') : 'Linux'
}

const goArch = (arch: string) => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' })[arch] ?? arch

/** What a node reports about its machine: capacity and nodeInfo (read once at registration). */
export function machineInfo(dataDir: string): { capacity: Record<string, string>; nodeInfo: Record<string, string>; arch: string; os: string } {
  let storage = '0'
  try {
    const s = statfsSync(dataDir)
    storage = `${Math.floor((s.blocks * s.bsize) / 1024)}Ki`
  } catch {}
  const os = process.platform === 'win32' ? 'windows' : process.platform
  const arch = goArch(process.arch)
  return {
    capacity: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': storage },
    nodeInfo: {
      machineID: readTrimmed('/etc/machine-id'),
      systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid') || readTrimmed('/etc/machine-id'),
      bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: '',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: os,
      architecture: arch,
    },
    arch,
    os,
  }
}
