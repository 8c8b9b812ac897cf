import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { upstreamObjects, type ManifestSource } from '../../../src/addons/manifest-files.js';
import { DirManifestSource, packagedManifestsDir } from '../../../src/host/manifest-source.js';
import { tempDir } from '../../support/temp.js';

const source = (text: string): ManifestSource => ({ read: async () => text });

describe('vendored manifests', () => {
  it('reads every object of a multi-document file, skipping empty documents', async () => {
    const objects = await upstreamObjects(source('---\n# comment only\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n'), 'x/y.yml');
    expect(objects).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }]);
  });

  it('names the file and document of what is not an object or not YAML', async () => {
    await expect(upstreamObjects(source('apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n- a list\n'), 'f/1/m.yml')).rejects.toThrow(
      'manifest f/1/m.yml, document 2: not a Kubernetes object',
    );
    await expect(upstreamObjects(source('a: [\n'), 'f/1/m.yml')).rejects.toThrow(/^manifest f\/1\/m\.yml, document 1: /);
  });

  it('finds manifests/ above a module in src/ or in dist/, and refuses paths that leave it', async () => {
    const root = tempDir('bosun-manifests-');
    mkdirSync(path.join(root, 'manifests'), { recursive: true });
    writeFileSync(path.join(root, 'manifests/README.md'), '');
    expect(packagedManifestsDir(path.join(root, 'dist/chunks/x.js'))).toBe(path.join(root, 'manifests'));
    expect(packagedManifestsDir(path.join(root, 'src/host/manifest-source.ts'))).toBe(path.join(root, 'manifests'));
    await expect(new DirManifestSource(path.join(root, 'manifests')).read('../package.json')).rejects.toThrow(/leaves/);
    expect(await new DirManifestSource().read('flannel/v0.28.10/kube-flannel.yml')).toContain('kind: DaemonSet');
  });
});
