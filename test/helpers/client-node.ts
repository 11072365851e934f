/**
 * What the e2e tests of @kubernetes/client-node share: a KubeConfig for a `cluster serve` process, the merge-patch
 * header option, and the assertion that a call fails as Kubernetes fails it.
 */
import assert from 'node:assert/strict'
import { ApiException, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'

/** client-node sends json-patch by default; this option makes a patch call send a JSON merge patch. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

export function kubeConfigFrom(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfigPath)
  return kc
}

/** The failure an API call must end in: an ApiException with this code and a metav1.Status body. */
export async function apiFailure(call: Promise<unknown>, code: number, reason: string): Promise<any> {
  try {
    await call
  } catch (err) {
    assert.ok(err instanceof ApiException, `expected an ApiException, got ${err}`)
    assert.equal(err.code, code, String(err.body))
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body
    assert.equal(body.kind, 'Status')
    assert.equal(body.code, code)
    assert.equal(body.reason, reason)
    return body
  }
  assert.fail(`expected HTTP ${code} ${reason}, but the call succeeded`)
}
