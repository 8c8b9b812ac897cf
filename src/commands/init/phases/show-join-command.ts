import { UserError } from '../../../errors.js';
import { parseCertificateChain } from '../../../pki/certificate.js';
import { caCertHash } from '../../../pki/ca-hash.js';
import { joinCommands } from '../../../tokens/join-command.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';
import { adminTarget } from './bootstrap-token.js';

const WITHHELD = '<value withheld>';

async function showJoinCommand(ctx: InitContext, io: PhaseIO): Promise<void> {
  const { server, caCertPem } = await adminTarget(ctx);
  const cas = parseCertificateChain(caCertPem);
  if (!cas) throw new UserError(`${ctx.options.kubeconfigPath}: its certificate-authority-data holds no certificate`);
  const { init, cluster } = ctx.cfg;
  const key = init.certificateKey && (ctx.options.skipCertificateKeyPrint ? WITHHELD : init.certificateKey);
  const lines = (text: string) => text.split('\n').forEach((line) => io.log(line));
  lines(
    [
      'Your Kubernetes control-plane has initialized successfully!',
      '',
      'To start using your cluster, you need to run the following as a regular user:',
      '',
      '  mkdir -p $HOME/.kube',
      `  sudo cp -i ${ctx.options.kubeconfigPath} $HOME/.kube/config`,
      '  sudo chown $(id -u):$(id -g) $HOME/.kube/config',
      '',
      'Alternatively, if you are the root user, you can run:',
      '',
      `  export KUBECONFIG=${ctx.options.kubeconfigPath}`,
      '',
      'You should now deploy a pod network to the cluster.',
      'Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:',
      '  https://kubernetes.io/docs/concepts/cluster-administration/addons/',
      '',
    ].join('\n'),
  );
  for (const token of init.bootstrapTokens ?? []) {
    const commands = joinCommands({
      endpoint: server.replace(/^https:\/\//, ''),
      token: ctx.options.skipTokenPrint ? WITHHELD : token.token,
      caHashes: cas.map(caCertHash),
      certificateKey: key,
    });
    // Control-plane nodes can only join through a shared endpoint.
    if (cluster.controlPlaneEndpoint) {
      lines(
        ctx.options.uploadCerts
          ? 'You can now join any number of control-plane nodes running the following command on each as root:\n\n' +
              `  ${commands.controlPlane}\n\n` +
              'Please note that the certificate-key gives access to cluster sensitive data, keep it secret!\n' +
              'As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use\n' +
              '"bosun init phase upload-certs --upload-certs" to reload certs afterward.\n'
          : 'You can now join any number of control-plane nodes by copying certificate authorities\n' +
              'and service account keys on each node and then running the following as root:\n\n' +
              `  ${commands.controlPlane}\n`,
      );
    }
    lines(`Then you can join any number of worker nodes by running the following on each as root:\n\n${commands.worker}`);
  }
}

export const showJoinCommandPhase: Phase<InitContext> = {
  name: 'show-join-command',
  description: 'Show the join command for control-plane and worker node',
  help: 'Prints `bosun join` with the endpoint and CA pin of admin.conf for each bootstrap token (the token and certificate key are withheld with --skip-token-print / --skip-certificate-key-print).',
  run: showJoinCommand,
};
