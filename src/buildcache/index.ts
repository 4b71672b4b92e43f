/** The build cache domain: reading and checking a Spack build cache directory (layout v2, Spack 0.23; layout v3, Spack 1.x). */
export * from '../spack/spec-json.js';
export * from './layout.js';
export * from './layout-v3.js';
export * from './read-build-cache.js';
export * from './verify-tarballs.js';
export * from './microarchitectures.js';
export * from './target-compatibility.js';
export * from './oci-platform.js';
export * from './tags.js';
