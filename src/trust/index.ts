/** The trust domain: signatures on spec files and the keys Paks trusts. */
export * from './signed-spec-payload.js';
export * from './public-key.js';
export * from './verify-clearsigned.js';
export * from './trusted-keys.js';
export * from './gpg-colons.js';
export * from './gpg-keyring.js';
export * from './publishers.js';
