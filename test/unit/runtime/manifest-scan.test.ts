import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { isManifestFile, manifestFindings } from '../../../src/runtime/manifest-scan.js';

const sock = { volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }], containers: [{ name: 'c', image: 'busybox' }] };

const MULTI = `apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated}
data: {path: /var/run/docker.sock}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup, namespace: ops}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: docker, image: docker:24-cli}]
          volumes:
            - name: sock
              hostPath: {path: /var/run/docker.sock, type: Socket}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs}
spec:
  selector: {matchLabels: {app: logs}}
  template:
    metadata: {labels: {app: logs}}
    spec:
      containers: [{name: agent, image: gcr.io/datadoghq/agent:7}]
      volumes: [{name: run, hostPath: {path: /run}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain}
spec:
  template:
    spec:
      containers: [{name: web, image: nginx}]
`;

describe('manifestFindings', () => {
  it("reads every document's Pod template (a CronJob's under jobTemplate), naming the file and the document", () => {
    expect(manifestFindings('/m/app.yaml', MULTI)).toEqual([
      {
        kind: 'CronJob',
        namespace: 'ops',
        name: 'cleanup',
        class: 'depends',
        reasons: ['hostPath /var/run/docker.sock (volume sock)'],
        source: { file: '/m/app.yaml', document: 2 },
      },
      {
        kind: 'DaemonSet',
        namespace: undefined,
        name: 'logs',
        class: 'may depend',
        reasons: ['hostPath /run (volume run)', 'image gcr.io/datadoghq/agent:7 (container agent) is the Datadog agent'],
        source: { file: '/m/app.yaml', document: 3 },
      },
    ]);
  });

  it.each([
    ['Pod', { spec: sock }],
    ['StatefulSet', { spec: { template: { spec: sock } } }],
    ['ReplicaSet', { spec: { template: { spec: sock } } }],
    ['Job', { spec: { template: { spec: sock } } }],
    ['ReplicationController', { spec: { template: { spec: sock } } }],
    ['PodTemplate', { template: { spec: sock } }],
  ])('finds a %s', (kind, body) => {
    const json = JSON.stringify({ apiVersion: 'v1', kind, metadata: { name: 'x' }, ...body });
    expect(manifestFindings('x.json', json).map((f) => [f.kind, f.class])).toEqual([[kind, 'depends']]);
  });

  it('reads the items of a List, naming each by its index', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { kind: 'Service', metadata: { name: 's' } },
        { kind: 'Pod', metadata: { name: 'p' }, spec: sock },
      ],
    };
    expect(manifestFindings('l.json', JSON.stringify(list)).map((f) => [f.name, f.source])).toEqual([['p', { file: 'l.json', document: 1, item: 1 }]]);
  });

  it('skips empty documents and scalars', () => {
    expect(manifestFindings('e.yaml', '---\n---\nplain text\n')).toEqual([]);
  });

  it('refuses a file that is not YAML, naming the flag, the file and the document', () => {
    const err = (() => {
      try {
        manifestFindings('/m/bad.yaml', 'kind: Pod\n---\nkey: [unclosed\n');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^--filename \/m\/bad\.yaml: document 2.*expected YAML or JSON manifests$/);
  });

  it('takes .yaml, .yml and .json files from a directory', () => {
    expect(['a.yaml', 'b.YML', 'c.json', 'd.txt', 'yaml'].filter(isManifestFile)).toEqual(['a.yaml', 'b.YML', 'c.json']);
  });
});
