import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Probe } from './static-pod.js';

/** The kubelet's probe defaults (periods in seconds). */
export function probeTiming(p: Probe) {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
  };
}

/** Named ports are container ports; kubeadm uses numbers, so a name is looked up in the container's ports. */
function portOf(port: number | string, ports: Array<{ name?: string; containerPort: number }>): number {
  if (typeof port === 'number') return port;
  const named = ports.find((p) => p.name === port)?.containerPort;
  return named ?? Number(port);
}

/**
 * One probe attempt as the kubelet makes it: HTTP(S) GET answered with 200–399 (certificates are not
 * verified), or a TCP connect. An unsupported probe kind (exec, grpc) counts as passing and says so.
 */
export function probeOnce(p: Probe, podIP: string, ports: Array<{ name?: string; containerPort: number }> = []): Promise<{ ok: boolean; message: string }> {
  const { timeoutMs } = probeTiming(p);
  if (p.httpGet) {
    const { host, port, path = '/', scheme = 'HTTP' } = p.httpGet;
    const lib = scheme === 'HTTPS' ? https : http;
    const url = `${scheme.toLowerCase()}://${host || podIP}:${portOf(port, ports)}${path}`;
    return new Promise((resolve) => {
      const req = lib.get(url, { timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, message: `${url}: HTTP ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
      req.on('error', (err) => resolve({ ok: false, message: `${url}: ${err.message}` }));
    });
  }
  if (p.tcpSocket) {
    const target = { host: p.tcpSocket.host || podIP, port: portOf(p.tcpSocket.port, ports) };
    return new Promise((resolve) => {
      const socket = net.connect(target);
      const done = (ok: boolean, message: string) => {
        socket.destroy();
        resolve({ ok, message: `${target.host}:${target.port}: ${message}` });
      };
      socket.setTimeout(timeoutMs, () => done(false, 'timeout'));
      socket.on('connect', () => done(true, 'connected'));
      socket.on('error', (err) => done(false, err.message));
    });
  }
  return Promise.resolve({ ok: true, message: 'probe kind not supported by the sandbox runner: counted as passing' });
}
