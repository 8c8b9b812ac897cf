// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its DI container checks at import).
import 'reflect-metadata/lite';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto signs and hashes for the library; done once, here, so every user gets it.
x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

export { x509 };
