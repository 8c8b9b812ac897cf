import { webcrypto } from 'node:crypto';
// @peculiar/x509's DI container needs a Reflect metadata polyfill loaded before it.
import 'reflect-metadata/lite';
import * as x509 from '@peculiar/x509';

export { x509 };
export type * as X509 from '@peculiar/x509';

// Node's WebCrypto signs and hashes for the library; done once, here, so every user gets it.
x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);
