/**
 * The CronJob controller in one process: `serve()` on the in-memory store with a fake-runtime node (the Job
 * controller runs the Jobs; `fake-exit:0` completes them) and its CronJob controller.
 * The controller is given a clock the tests move on a minute at a time (Jobs are named by the minute), so no test
 * waits for a real minute.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import type { ApiClient } from '../../src/client/api-client.ts'
import { serveInProcess, type InProcessServer } from '../helpers/in-process-serve.ts'
import { waitFor } from '../helpers/kubectl.ts'

const CJ = { group: 'batch', version: 'v1', resource: 'cronjobs' }
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' }
const NS = 'default'
const POLL = { timeoutMs: 30_000, intervalMs: 50 }

let server: InProcessServer
let client: ApiClient
/** The controller's clock: real time plus `skew`, which the tests move on a minute at a time. */
let skew = 0

before(async () => {
  server = await serveInProcess({ nodes: 1, cronJobClock: () => Date.now() + skew })
  client = server.client
})

after(async () => {
  await server?.stop()
})

const jobsOf = async (cj: KubeObject) =>
  (await client.list(JOBS, { namespace: NS })).items.filter((j) => j.metadata.ownerReferences?.some((r) => r.uid === cj.metadata.uid) && !j.metadata.deletionTimestamp)

function cronJob(name: string, schedule: string, command: string[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name },
    spec: {
      schedule,
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command }] } } },
      },
      ...extra,
    },
  }
}

/** Moves the controller's clock on one minute and has it look again. */
async function tick(name: string): Promise<void> {
  skew += 60_000
  const cj = await client.get(CJ, NS, name)
  cj.metadata.annotations = { ...cj.metadata.annotations, tick: String(skew) }
  await client.update(CJ, NS, cj)
}

describe('CronJob controller', () => {
  it('creates a Job per scheduled time, named and annotated as upstream, and keeps the history limit', async () => {
    const cj = await client.create(CJ, NS, cronJob('tick', '* * * * *', ['fake-exit:0', 'done'], { successfulJobsHistoryLimit: 2 }))
    for (let i = 1; i <= 4; i++) {
      await tick('tick')
      const minute = Math.floor((Date.now() + skew) / 60_000)
      const job = await waitFor(`job ${i}`, async () => (await jobsOf(cj)).find((j) => j.metadata.name === `tick-${minute}` || j.metadata.name === `tick-${minute - 1}`), POLL)
      assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob')
      assert.equal(job.metadata.ownerReferences?.[0]?.controller, true)
      assert.equal(job.metadata.labels?.cron, 'tick')
      assert.equal(Date.parse(job.metadata.annotations![`batch.kubernetes.io/cronjob-scheduled-timestamp`]!) / 60_000, Number(job.metadata.name!.split('-')[1]))
      await waitFor(`job ${i} complete`, async () => (await client.get(JOBS, NS, job.metadata.name!)).status?.conditions?.some((c: any) => c.type === 'Complete'), POLL)
    }
    const s = await waitFor('status', async () => {
      const x = await client.get(CJ, NS, 'tick')
      return x.status?.lastSuccessfulTime && !x.status.active && (await jobsOf(cj)).length === 2 && x
    }, POLL)
    assert.ok(s.status.lastScheduleTime)
  })

  it('Forbid skips a time while a Job runs; Replace replaces it', async () => {
    const cj = await client.create(CJ, NS, cronJob('busy', '* * * * *', ['fake-hang'], { concurrencyPolicy: 'Forbid' }))
    await tick('busy')
    const [first] = await waitFor('first job', async () => {
      const jobs = await jobsOf(cj)
      return jobs.length === 1 && jobs
    }, POLL)
    await waitFor('active', async () => (await client.get(CJ, NS, 'busy')).status?.active?.length === 1, POLL)
    await tick('busy')
    await new Promise((r) => setTimeout(r, 300))
    assert.deepEqual((await jobsOf(cj)).map((j) => j.metadata.name), [first!.metadata.name])
    const x = await client.get(CJ, NS, 'busy')
    x.spec.concurrencyPolicy = 'Replace'
    await client.update(CJ, NS, x)
    await tick('busy')
    await waitFor('replaced', async () => {
      const jobs = await jobsOf(cj)
      return jobs.length === 1 && jobs[0]!.metadata.name !== first!.metadata.name
    }, POLL)
  })

  it('suspend creates nothing', async () => {
    const cj = await client.create(CJ, NS, cronJob('off', '* * * * *', ['fake-exit:0'], { suspend: true }))
    await tick('off')
    await new Promise((r) => setTimeout(r, 300))
    assert.equal((await jobsOf(cj)).length, 0)
  })
})
