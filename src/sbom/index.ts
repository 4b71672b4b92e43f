/** The SBOM domain: CycloneDX and SPDX documents from a Spack spec DAG. */
export * from './package-info.js';
export * from './sbom-options.js';
export * from './spack-info.js';
export * from './spec-graph.js';
export * from './purl.js';
export * from './document-identity.js';
export * from './node-facts.js';
export * from './cyclonedx.js';
export * from './spdx.js';
export * from './file-names.js';
