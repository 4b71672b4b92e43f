/** The OCI transport: parse references, talk to registries, push and pull Paks artifacts. */
export { parseReference, formatReference, isValidTag, type ImageReference } from './reference.js';
export * from './media-types.js';
export { createRegistryClient, type RegistryClient, type RegistryClientOptions, type PushedBlob, type Repository } from './client.js';
export {
  createCredentialProvider,
  resolveCredential,
  staticCredentials,
  ANONYMOUS,
  type Credential,
  type CredentialProvider,
  type CredentialSources,
} from './auth/credentials.js';
export { pushArtifact, pullArtifact, formatBytes, type PushArtifactOptions, type PushedArtifact, type PullArtifactOptions, type PulledArtifact } from './artifact.js';
export { addToPlatformIndex, type AddToPlatformIndexOptions, type UpdatedIndex } from './platform-index.js';
export { selectFromIndex, platformKey, hostPlatform, matchesPlatform, type IndexSelector } from './platform.js';
export { createMemoryDigestCache, loadFileDigestCache, type DigestCache } from './digest-cache.js';
export type { FetchedManifest } from './manifests.js';
export type { Descriptor, ImageManifest, ImageIndex, Platform } from './schemas.js';
export { retryPolicy, type RetryPolicy } from './transport/retry.js';
