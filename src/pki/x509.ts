import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as X509Module from '@peculiar/x509';

// Loaded with require(), not import: through Node's ESM-to-CommonJS bridge this package takes twice as long to load
// (measured ~200 ms vs ~100 ms), which is most of `bosun init phase certs` with ECDSA keys.
const require = createRequire(import.meta.url);
// @peculiar/x509's DI container needs a Reflect metadata polyfill loaded before it.
require('reflect-metadata/lite');

export const x509: typeof X509Module = require('@peculiar/x509');
export type * as X509 from '@peculiar/x509';

// Node's WebCrypto signs and hashes for the library; done once, here, so every user gets it.
x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);
