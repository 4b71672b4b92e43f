/** Which binary fits this machine: host facts in, a verdict with its reason and rank out. */
export { binaryFacts, compareRanks, describeHost, describeNoFit, describeOffers, judgeBinary, rankCandidates } from './judge.js';
export type { ArchRequest, BinaryFacts, RankedCandidates, Rank, Verdict } from './judge.js';
export { hostLibc, systemLibcProbe, type HostFacts } from './host.js';
export { detectHostLibc, glibcFromLddOutput, libcFromLoaderOutput, libcPrefix, type HostLibc, type LibcProbe } from './host-libc.js';
export { elfInterpreter } from './elf.js';
export { libcOf, libcLabel, type LibcNode } from '../spec/libc.js';
