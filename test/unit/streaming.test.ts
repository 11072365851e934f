/**
 * The pure parts of streaming: the SPDY/3.1 framer (frames and the connection-long header compression), the API
 * server's choice of container and kubelet path for pods/log|exec|attach|portforward, and the kubelet's choice
 * of the container instance a log request reads.
 */
import assert from 'node:assert/strict'
import { constants, deflateSync } from 'node:zlib'
import { describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { podAttach, podContainer, podExec, podLog, podPortForward } from '../../src/apiserver/resources/pod-connect.ts'
import { logContainerId } from '../../src/kubelet/streaming/container-target.ts'
import { SPDY3_DICTIONARY } from '../../src/kubelet/streaming/spdy/dictionary.ts'
import { SpdyFramer } from '../../src/kubelet/streaming/spdy/framer.ts'
import { exitStatus } from '../../src/kubelet/streaming/stream-status.ts'

const pod = (extra: Partial<KubeObject> & { containers?: string[]; status?: any; annotations?: Record<string, string> } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u', annotations: extra.annotations },
  spec: { nodeName: 'node1', containers: (extra.containers ?? ['c']).map((name) => ({ name })), initContainers: [{ name: 'init' }] },
  status: extra.status ?? { phase: 'Running' },
})

const badRequest = (message: string | RegExp) => (err: unknown) => {
  assert.ok(err instanceof ApiError, String(err))
  assert.equal(err.code, 400)
  if (typeof message === 'string') assert.equal(err.message, message)
  else assert.match(err.message, message)
  return true
}

describe('SpdyFramer', () => {
  it('round-trips every frame type between two framers, header blocks continuing one zlib stream', () => {
    const a = new SpdyFramer()
    const b = new SpdyFramer()
    const bytes = Buffer.concat([
      a.synStream(1, { streamtype: ['error'] }),
      a.synStream(3, { streamtype: ['data'], port: ['8080'], requestid: ['0'] }, true),
      a.synReply(3, {}),
      a.data(3, Buffer.from('hello'), true),
      a.rstStream(5, 5),
      a.ping(7),
      a.goAway(3),
    ])
    // Cut anywhere: frames come out whole once their bytes are in.
    const frames = [...b.push(bytes.subarray(0, 13)), ...b.push(bytes.subarray(13, 40)), ...b.push(bytes.subarray(40))]
    assert.deepEqual(frames, [
      { type: 'synStream', streamId: 1, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: ['error'] } },
      { type: 'synStream', streamId: 3, associatedId: 0, priority: 0, fin: true, unidirectional: false, headers: { streamtype: ['data'], port: ['8080'], requestid: ['0'] } },
      { type: 'synReply', streamId: 3, fin: false, headers: {} },
      { type: 'data', streamId: 3, fin: true, data: Buffer.from('hello') },
      { type: 'rstStream', streamId: 5, status: 5 },
      { type: 'ping', id: 7 },
      { type: 'goAway', lastGoodStreamId: 3, status: 0 },
    ])
  })

  it('reads a header block a real zlib compressor wrote with the SPDY/3 dictionary and a sync flush (as Go does)', () => {
    const u32 = (n: number) => {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(n)
      return b
    }
    const raw = Buffer.concat([u32(1), u32(10), Buffer.from('streamtype'), u32(5), Buffer.from('error')])
    const compressed = deflateSync(raw, { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH })
    const head = Buffer.alloc(18)
    head.writeUInt32BE(0x80030001) // control, version 3, SYN_STREAM
    head.writeUInt32BE(10 + compressed.length, 4)
    head.writeUInt32BE(1, 8)
    const [frame] = new SpdyFramer().push(Buffer.concat([head, compressed]))
    assert.deepEqual(frame, { type: 'synStream', streamId: 1, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: ['error'] } })
  })
})

describe('pods/log, exec, attach, portforward: container and kubelet path', () => {
  it('takes the container asked for, the default-container annotation, or the only one', () => {
    assert.equal(podContainer(pod(), 'c'), 'c')
    assert.equal(podContainer(pod(), 'init'), 'init')
    assert.equal(podContainer(pod(), null), 'c')
    assert.equal(podContainer(pod({ containers: ['a', 'b'], annotations: { 'kubectl.kubernetes.io/default-container': 'b' } }), null), 'b')
  })

  it('400s as the API server does', () => {
    assert.throws(() => podContainer(pod({ containers: ['a', 'b'] }), null), badRequest('a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init]'))
    assert.throws(() => podContainer(pod(), 'x'), badRequest('container x is not valid for pod p'))
    const unbound = pod()
    delete unbound.spec.nodeName
    assert.throws(() => podLog.connect!(unbound, new URLSearchParams()), badRequest('pod p does not have a host assigned'))
    assert.throws(() => podExec.connect!(pod({ status: { phase: 'Succeeded' } }), new URLSearchParams('command=ls')), badRequest('cannot exec into a container in a completed pod; current phase is Succeeded'))
    assert.throws(() => podAttach.connect!(pod({ status: { phase: 'Failed' } }), new URLSearchParams()), badRequest(/cannot attach to a container in a completed pod/))
  })

  it('sends each to its kubelet path, keeping the query', () => {
    assert.deepEqual(podLog.connect!(pod(), new URLSearchParams('follow=true&tailLines=10')), { node: 'node1', path: '/containerLogs/ns/p/c?follow=true&tailLines=10' })
    assert.deepEqual(podExec.connect!(pod(), new URLSearchParams('command=ls&command=-l&stdout=true')), { node: 'node1', path: '/exec/ns/p/c?command=ls&command=-l&stdout=true' })
    assert.deepEqual(podPortForward.connect!(pod(), new URLSearchParams('ports=80')), { node: 'node1', path: '/portForward/ns/p?ports=80' })
    assert.deepEqual(podLog.verbs, ['get'])
    assert.deepEqual([...podExec.verbs].sort(), ['create', 'get'])
  })
})

describe("the kubelet's log container (validateContainerLogStatus)", () => {
  const withStatus = (s: any) => pod({ status: { phase: 'Running', containerStatuses: [{ name: 'c', ...s }] } })
  it('reads the running instance, or the previous one with previous=true', () => {
    const p = withStatus({ state: { running: {} }, containerID: 'docker://abc', lastState: { terminated: { containerID: 'docker://old' } } })
    assert.equal(logContainerId(p, 'c', false), 'abc')
    assert.equal(logContainerId(p, 'c', true), 'old')
  })
  it('says why there is no log yet', () => {
    assert.throws(() => logContainerId(withStatus({ state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} }), 'c', false), badRequest('container "c" in pod "p" is waiting to start: ContainerCreating'))
    assert.throws(() => logContainerId(withStatus({ state: { waiting: { reason: 'ErrImagePull' } }, lastState: {} }), 'c', false), badRequest(`container "c" in pod "p" is waiting to start: image can't be pulled`))
    assert.throws(() => logContainerId(withStatus({ state: { running: {} }, containerID: 'docker://abc', lastState: {} }), 'c', true), badRequest('previous terminated container "c" in pod "p" not found'))
    assert.throws(() => logContainerId(pod(), 'c', false), badRequest('container "c" in pod "p" is waiting to start - no logs yet'))
  })
  it('falls back to the last run of a container waiting to restart', () => {
    assert.equal(logContainerId(withStatus({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { containerID: 'docker://dead' } } }), 'c', false), 'dead')
  })
})

describe('exit status', () => {
  it('puts the ExitCode cause first, as kubectl and the Python client read it', () => {
    assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' })
    assert.deepEqual(exitStatus(3), {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: exit status 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    })
  })
})
