#!/usr/bin/python3
"""The core API through Debian's python3-kubernetes, run by test/e2e/python-client.e2e.test.ts.

Usage: core_api.py KUBECONFIG [NAMESPACE]

Drives the generated CoreV1Api as a Python user would and prints one JSON document (the last line of stdout)
with what it observed; the TypeScript test asserts on it. It also asserts what it can check on the spot, so a
failure shows where it happened (a traceback and exit status 1).
"""
import json
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

MERGE_PATCH = 'application/merge-patch+json'


def status_of(err):
    """The metav1.Status body of an ApiException."""
    return json.loads(err.body) if err.body else {}


def expect_failure(call, code):
    try:
        call()
    except ApiException as err:
        assert err.status == code, 'expected HTTP %d, got %d: %s' % (code, err.status, err.body)
        return status_of(err)
    raise AssertionError('expected HTTP %d, but the call succeeded' % code)


def merge_patch(v1, patch_fn, *args):
    """Sends a dict body as a JSON merge patch. python3-kubernetes 22 has no `_content_type` argument (later
    versions do), and sends a dict as a strategic merge patch; a default header overrides the chosen type."""
    v1.api_client.set_default_header('Content-Type', MERGE_PATCH)
    try:
        return patch_fn(*args)
    finally:
        del v1.api_client.default_headers['Content-Type']


def pod_manifest(name, labels):
    # schedulerName nobody serves: the pod stays unbound, so a delete removes it at once.
    return {
        'apiVersion': 'v1',
        'kind': 'Pod',
        'metadata': {'name': name, 'labels': labels},
        'spec': {'schedulerName': 'e2e-unscheduled', 'containers': [{'name': 'c', 'image': 'busybox:1.36'}]},
    }


def main():
    kubeconfig = sys.argv[1]
    ns = sys.argv[2] if len(sys.argv) > 2 else 'python'
    config.load_kube_config(config_file=kubeconfig)
    v1 = client.CoreV1Api()
    out = {}

    v1.create_namespace({'metadata': {'name': ns}})
    out['initial_pods'] = [p.metadata.name for p in v1.list_namespaced_pod(ns).items]

    # Pods: create, read, list, patch (merge, strategic, json), delete.
    created = v1.create_namespaced_pod(ns, pod_manifest('py-pod', {'app': 'py'}))
    out['created'] = {
        'name': created.metadata.name,
        'namespace': created.metadata.namespace,
        'uid': created.metadata.uid,
        'resourceVersion': created.metadata.resource_version,
        'creationTimestamp': created.metadata.creation_timestamp.isoformat(),
        'phase': created.status.phase,
        'restartPolicy': created.spec.restart_policy,
        'dnsPolicy': created.spec.dns_policy,
    }
    read = v1.read_namespaced_pod('py-pod', ns)
    out['read_uid'] = read.metadata.uid
    v1.create_namespaced_pod(ns, pod_manifest('py-other', {'app': 'other'}))
    out['listed'] = sorted(p.metadata.name for p in v1.list_namespaced_pod(ns).items)
    out['selected'] = [p.metadata.name for p in v1.list_namespaced_pod(ns, label_selector='app=py').items]
    out['field_selected'] = [p.metadata.name for p in v1.list_pod_for_all_namespaces(field_selector='metadata.name=py-other').items]

    merged = merge_patch(v1, v1.patch_namespaced_pod, 'py-pod', ns, {'metadata': {'labels': {'patched': 'merge'}}})
    out['merge_patched_labels'] = merged.metadata.labels
    # A dict body without a content type goes as a strategic merge patch.
    strategic = v1.patch_namespaced_pod('py-pod', ns, {'metadata': {'labels': {'patched': 'strategic'}}})
    out['strategic_patched_labels'] = strategic.metadata.labels
    # A list body goes as a JSON patch.
    json_patched = v1.patch_namespaced_pod('py-pod', ns, [{'op': 'add', 'path': '/metadata/annotations', 'value': {'note': 'json'}}])
    out['json_patched_annotations'] = json_patched.metadata.annotations

    # ConfigMaps: create, read, patch, replace (and a stale replace), list, delete with a DeleteOptions body.
    cm = v1.create_namespaced_config_map(ns, {'metadata': {'name': 'py-cm', 'labels': {'kind': 'py'}}, 'data': {'a': '1'}})
    out['cm_read'] = v1.read_namespaced_config_map('py-cm', ns).data
    out['cm_patched'] = merge_patch(v1, v1.patch_namespaced_config_map, 'py-cm', ns, {'data': {'b': '2'}}).data
    stale = cm
    current = v1.read_namespaced_config_map('py-cm', ns)
    current.data = {'replaced': 'yes'}
    out['cm_replaced'] = v1.replace_namespaced_config_map('py-cm', ns, current).data
    stale.data = {'stale': 'yes'}
    conflict = expect_failure(lambda: v1.replace_namespaced_config_map('py-cm', ns, stale), 409)
    out['conflict'] = {'reason': conflict.get('reason'), 'message': conflict.get('message')}
    out['cm_listed'] = [c.metadata.name for c in v1.list_namespaced_config_map(ns, label_selector='kind=py').items]
    # finalizers tell the patch types apart: a merge patch replaces the list, a strategic one merges into it.
    out['finalizers_merge'] = merge_patch(v1, v1.patch_namespaced_config_map, 'py-cm', ns, {'metadata': {'finalizers': ['example.com/b']}}).metadata.finalizers
    out['finalizers_strategic'] = v1.patch_namespaced_config_map('py-cm', ns, {'metadata': {'finalizers': ['example.com/c']}}).metadata.finalizers
    merge_patch(v1, v1.patch_namespaced_config_map, 'py-cm', ns, {'metadata': {'finalizers': None}})
    v1.delete_namespaced_config_map('py-cm', ns, body=client.V1DeleteOptions(grace_period_seconds=0, propagation_policy='Background'))
    out['cm_after_delete'] = expect_failure(lambda: v1.read_namespaced_config_map('py-cm', ns), 404).get('reason')

    # Watch from a resourceVersion: the changes made meanwhile, in order. timeout_seconds=0 is how Python users ask
    # for no timeout (the server's default applies); the client-side read timeout bounds a stream that hangs.
    start_rv = v1.list_namespaced_pod(ns).metadata.resource_version

    def make_changes():
        v1.create_namespaced_pod(ns, pod_manifest('py-watched', {'step': '1'}))
        merge_patch(v1, v1.patch_namespaced_pod, 'py-watched', ns, {'metadata': {'labels': {'step': '2'}}})
        v1.delete_namespaced_pod('py-watched', ns)

    # The changes come while the stream is open (a stream closed early would miss them: no retry with a timeout).
    changes = threading.Timer(0.5, make_changes)
    changes.start()
    events = []
    w = watch.Watch()
    for ev in w.stream(v1.list_namespaced_pod, ns, resource_version=start_rv, timeout_seconds=0, _request_timeout=30):
        obj = ev['object']
        if obj.metadata.name == 'py-watched':
            events.append([ev['type'], obj.metadata.labels.get('step'), int(obj.metadata.resource_version)])
        if ev['type'] == 'DELETED':
            w.stop()
    changes.join()
    out['watch_events'] = events
    # Without a resourceVersion: ADDED for what exists, then the server ends the stream at timeout_seconds.
    began = time.monotonic()
    initial = [[ev['type'], ev['object'].metadata.name] for ev in watch.Watch().stream(v1.list_namespaced_pod, ns, timeout_seconds=1)]
    out['watch_initial'] = sorted(initial)
    out['watch_timeout_seconds'] = round(time.monotonic() - began, 1)

    # Delete (a V1DeleteOptions body), then 404.
    deleted = v1.delete_namespaced_pod('py-pod', ns)
    out['deleted_name'] = deleted.metadata.name
    not_found = expect_failure(lambda: v1.read_namespaced_pod('py-pod', ns), 404)
    out['not_found'] = {'reason': not_found.get('reason'), 'message': not_found.get('message'), 'details': not_found.get('details')}
    invalid = expect_failure(lambda: v1.create_namespaced_pod(ns, pod_manifest('Bad_Name', {})), 422)
    out['invalid'] = {'reason': invalid.get('reason'), 'kind': invalid.get('details', {}).get('kind'), 'field': invalid.get('details', {}).get('causes', [{}])[0].get('field')}

    print(json.dumps(out))


if __name__ == '__main__':
    main()
