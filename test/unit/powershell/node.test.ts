import { describe, it } from 'vitest';
import { kubeletFirewallRuleScript, nodeStateScript, pkiLinkScript, registerKubeletServiceScript } from '../../../src/node/windows-scripts.js';
import { expectGoldenScript } from '../../support/powershell-golden.js';

describe('the PowerShell scripts a Windows node preparation sends', () => {
  it('looks at the node before changing it: containerd, the kubelet service, the firewall rule', () => expectGoldenScript('node-state', nodeStateScript()));
  it('registers the kubelet service', () => expectGoldenScript('node-kubelet-service', registerKubeletServiceScript('win-1')));
  it('opens the kubelet port', () => expectGoldenScript('node-firewall-rule', kubeletFirewallRuleScript()));
  it('links the kubelet pki directory', () => expectGoldenScript('node-pki-link', pkiLinkScript()));
});
