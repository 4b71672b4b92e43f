export { PaksClient, type PaksClientOptions } from './client.js';
export { PaksError, type ErrorKind } from './errors.js';
export { loadSettings, type LoadedSettings } from './settings/load.js';
export type { Settings, SettingKey } from './settings/schema.js';
export { SpackRunner } from './spack/runner.js';
export { dialectOf, type SpackDialect } from './spack/dialect/index.js';
export type { InstalledSpec } from './spack/installed.js';
export { binaryFacts, describeNoFit, hostLibc, judgeBinary, rankCandidates, type BinaryFacts, type HostFacts, type Verdict } from './compatibility/index.js';
