import { describe, expect, it } from 'vitest';
import { argValue, argsToCommand, mergeEnv, proxyEnv, setArg } from '../../../src/manifests/args.js';

describe('argsToCommand', () => {
  it('sorts the base by name, then value', () => {
    const base = [
      { name: 'b', value: '2' },
      { name: 'a', value: 'z' },
      { name: 'b', value: '1' },
      { name: 'a', value: 'y' },
    ];
    expect(argsToCommand(base)).toEqual(['--a=y', '--a=z', '--b=1', '--b=2']);
  });

  it('drops every base flag an extra arg names and appends the extra args in the order given', () => {
    const base = [
      { name: 'tls', value: 'x' },
      { name: 'feature', value: 'A' },
      { name: 'feature', value: 'B' },
      { name: 'alpha', value: '1' },
    ];
    const extra = [
      { name: 'zeta', value: '9' },
      { name: 'feature', value: 'C' },
      { name: 'feature', value: 'A' },
    ];
    expect(argsToCommand(base, extra)).toEqual(['--alpha=1', '--tls=x', '--zeta=9', '--feature=C', '--feature=A']);
  });

  it('keeps an empty value (kubeadm clears flags that way)', () => {
    expect(argsToCommand([{ name: 'cluster-signing-key-file', value: '' }])).toEqual(['--cluster-signing-key-file=']);
  });
});

describe('argValue / setArg', () => {
  const args = [
    { name: 'a', value: '1' },
    { name: 'b', value: '2' },
    { name: 'a', value: '3' },
  ];
  it('reads the last occurrence', () => {
    expect(argValue(args, 'a')).toBe('3');
    expect(argValue(args, 'c')).toBeUndefined();
    expect(argValue(undefined, 'a')).toBeUndefined();
  });
  it('replaces the last occurrence or appends, without touching the input', () => {
    expect(setArg(args, 'a', '9')).toEqual([args[0], args[1], { name: 'a', value: '9' }]);
    expect(setArg(args, 'c', '0')).toEqual([...args, { name: 'c', value: '0' }]);
    expect(args[2].value).toBe('3');
  });
});

describe('environment', () => {
  it('merges by name (later wins) and sorts', () => {
    expect(
      mergeEnv(
        [
          { name: 'Z', value: '1' },
          { name: 'A', value: '1' },
        ],
        undefined,
        [{ name: 'Z', value: '2' }],
      ),
    ).toEqual([
      { name: 'A', value: '1' },
      { name: 'Z', value: '2' },
    ]);
  });
  it('takes non-empty *_proxy variables of any case', () => {
    expect(proxyEnv({ HTTPS_PROXY: 'http://p:3128', no_proxy: '10.0.0.0/8', ftp_proxy: '', PATH: '/bin', PROXY: 'x' })).toEqual([
      { name: 'HTTPS_PROXY', value: 'http://p:3128' },
      { name: 'no_proxy', value: '10.0.0.0/8' },
    ]);
  });
});
