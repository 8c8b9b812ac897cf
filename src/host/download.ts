/**
 * Downloads to memory on the machine bosun runs on: kubelet binaries and their published digests. Bounded in
 * time and size, so a slow or endless answer ends with an error naming the URL instead of a hung roll.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

export interface DownloadLimits {
  maxBytes: number;
  timeoutMs: number;
}

export type Download = (url: string, limits: DownloadLimits) => Promise<Buffer>;

async function readLocal(url: string, limits: DownloadLimits): Promise<Buffer> {
  const file = fileURLToPath(url);
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new UserError(`${url}: not a file on this machine`);
  if (stat.size > limits.maxBytes) throw new UserError(`${url}: ${stat.size} bytes, more than the ${limits.maxBytes} expected`);
  return fs.readFile(file);
}

async function readRemote(url: string, limits: DownloadLimits): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    throw new UserError(
      `${url}: ${signal.aborted ? `no answer within ${limits.timeoutMs / 1000}s` : `cannot download: ${(err as Error).cause ?? (err as Error).message}`}`,
    );
  }
  if (!response.ok || !response.body) throw new UserError(`${url}: the server answered ${response.status} ${response.statusText}`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > limits.maxBytes) throw new UserError(`${url}: more than the ${limits.maxBytes} bytes expected`);
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${url}: ${signal.aborted ? `not downloaded within ${limits.timeoutMs / 1000}s` : `download broke off: ${(err as Error).message}`}`);
  }
  return Buffer.concat(chunks);
}

/** `http(s)://` through the network, `file://` from this machine's disk. */
export const download: Download = (url, limits) => (url.startsWith('file://') ? readLocal(url, limits) : readRemote(url, limits));
