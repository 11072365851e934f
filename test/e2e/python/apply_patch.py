#!/usr/bin/python3
"""Patch and server-side apply through Debian's python3-kubernetes, run by test/e2e/apply-clients.e2e.test.ts.

Usage: apply_patch.py KUBECONFIG NAMESPACE

Drives CoreV1Api.patch_namespaced_config_map as a Python user would: a dict body (sent as a strategic merge
patch), a list body (a JSON patch), and server-side apply (`application/apply-patch+yaml` with a field manager:
a conflict, force, create-on-apply). Prints one JSON document (the last line of stdout) with what it observed;
it also asserts what it can check on the spot, so a failure shows where it happened.
"""
import json
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException

APPLY_PATCH = 'application/apply-patch+yaml'


def status_of(err):
    return json.loads(err.body) if err.body else {}


def apply(v1, name, ns, manifest_yaml, field_manager, force=None):
    """Server-side apply of a YAML body: `_content_type` where the client has it (python-kubernetes 24+), else a
    default Content-Type header (22 has no `_content_type`; a str body is sent as is for a non-JSON type).
    Returns (object, HTTP status)."""
    kwargs = {'field_manager': field_manager, '_return_http_data_only': False}
    if force is not None:
        kwargs['force'] = force
    try:
        data, status, _ = v1.patch_namespaced_config_map_with_http_info(name, ns, manifest_yaml, _content_type=APPLY_PATCH, **kwargs)
        return data, status
    except TypeError:
        pass
    v1.api_client.set_default_header('Content-Type', APPLY_PATCH)
    try:
        data, status, _ = v1.patch_namespaced_config_map_with_http_info(name, ns, manifest_yaml, **kwargs)
        return data, status
    finally:
        del v1.api_client.default_headers['Content-Type']


def managers(obj):
    """manager/operation -> sorted FieldsV1 keys under f:data, from the typed object's managed_fields."""
    out = {}
    for e in obj.metadata.managed_fields or []:
        fields = e.fields_v1 or {}
        out['%s/%s' % (e.manager, e.operation)] = sorted(k for k in fields.get('f:data', {}) if k != '.')
    return out


def manifest(name, data):
    lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: %s' % name, 'data:']
    lines += ['  %s: "%s"' % (k, v) for k, v in data.items()]
    return '\n'.join(lines) + '\n'


def main():
    kubeconfig, ns = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    v1 = client.CoreV1Api()
    out = {}

    v1.create_namespace({'metadata': {'name': ns}})
    created = v1.create_namespaced_config_map(ns, {'metadata': {'name': 'py-cm'}, 'data': {'a': '1'}})
    out['created_managers'] = managers(created)

    # A dict body: the client sends it as a strategic merge patch.
    patched = v1.patch_namespaced_config_map('py-cm', ns, {'data': {'b': '2'}}, field_manager='py-strategic')
    out['strategic'] = patched.data
    # A list body: a JSON patch.
    patched = v1.patch_namespaced_config_map('py-cm', ns, [{'op': 'add', 'path': '/data/c', 'value': '3'}], field_manager='py-json')
    out['json_patch'] = patched.data
    out['patched_managers'] = managers(patched)

    # Server-side apply: changing `a`, which the creator owns, is a conflict...
    try:
        apply(v1, 'py-cm', ns, manifest('py-cm', {'a': 'applied'}), 'py-ssa')
        raise AssertionError('a conflicting apply succeeded')
    except ApiException as err:
        assert err.status == 409, err.body
        out['conflict'] = status_of(err)
    # ...unless forced.
    obj, status = apply(v1, 'py-cm', ns, manifest('py-cm', {'a': 'applied'}), 'py-ssa', force=True)
    out['forced'] = {'status': status, 'data': obj.data, 'managers': managers(obj)}
    # Applying without `a` now removes it (py-ssa alone owned it); fields of other managers stay.
    obj, status = apply(v1, 'py-cm', ns, manifest('py-cm', {'d': '4'}), 'py-ssa')
    out['reapplied'] = {'status': status, 'data': obj.data, 'managers': managers(obj)}

    # Create-on-apply.
    obj, status = apply(v1, 'py-new', ns, manifest('py-new', {'x': 'y'}), 'py-ssa')
    out['created_by_apply'] = {'status': status, 'data': obj.data, 'managers': managers(obj), 'uid': obj.metadata.uid}

    # An apply without a field manager is refused.
    try:
        v1.api_client.set_default_header('Content-Type', APPLY_PATCH)
        v1.patch_namespaced_config_map('py-new', ns, manifest('py-new', {'x': 'z'}))
        raise AssertionError('an apply without fieldManager succeeded')
    except ApiException as err:
        out['no_manager'] = {'status': err.status, 'reason': status_of(err).get('reason')}
    finally:
        del v1.api_client.default_headers['Content-Type']

    print(json.dumps(out))


if __name__ == '__main__':
    main()
