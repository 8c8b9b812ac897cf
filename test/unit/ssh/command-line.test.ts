import { describe, expect, it } from 'vitest';
import type { SshConnection } from '../../../src/host/ssh/connection.js';
import { endpoint } from '../../../src/host/ssh/settings.js';
import { SshHost } from '../../../src/host/ssh/ssh-host.js';

/** The command line itself needs no connection: the host is built with none. */
const hostAs = (user: string) => new SshHost('node-a', endpoint({ address: '10.0.0.1', user }, 'node-a'), undefined as unknown as SshConnection);

describe('SshHost command lines', () => {
  it('sends a root login the quoted command as it is', () => {
    expect(hostAs('root').commandLine('kubelet', ['--version'])).toBe('kubelet --version');
    expect(hostAs('root').commandLine('sh', ['-c', 'echo "$X"'])).toBe(`sh -c 'echo "$X"'`);
  });

  it('puts env before the command and the node-side timeout around it', () => {
    expect(hostAs('root').commandLine('echo', ['hi'], { env: { A: 'b c', KUBECONFIG: '/etc/kubernetes/admin.conf' } })).toBe(
      "env 'A=b c' 'KUBECONFIG=/etc/kubernetes/admin.conf' echo hi",
    );
    expect(hostAs('root').commandLine('sleep', ['9'], { timeoutMs: 1500 })).toBe('timeout -k 1 1.5 sleep 9');
  });

  it('runs everything of another login through sudo -n', () => {
    expect(hostAs('ops').commandLine('systemctl', ['restart', 'kubelet'], { env: { A: '1' }, timeoutMs: 30_000 })).toBe(
      "sudo -n -- env 'A=1' timeout -k 1 30 systemctl restart kubelet",
    );
    expect(hostAs('ops').sudo).toBe(true);
    expect(hostAs('root').sudo).toBe(false);
  });

  it('refuses an environment variable name the shell could misread', () => {
    expect(() => hostAs('root').commandLine('true', [], { env: { 'A;rm': 'x' } })).toThrow('node-a: environment variable name "A;rm" is not valid');
  });

  it('maps node paths to absolute ones', () => {
    expect(hostAs('root').resolve('etc/kubernetes/../kubernetes/admin.conf')).toBe('/etc/kubernetes/admin.conf');
  });

  it('refuses a port outside 1-65535, naming the host', () => {
    expect(() => endpoint({ address: '10.0.0.1', port: 70000 }, 'node-b')).toThrow('node-b: ssh port 70000 is not a TCP port (1-65535)');
  });
});
