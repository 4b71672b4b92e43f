/**
 * A kind of place binaries come from (STYLE.md §6): Paks artifacts in OCI registries, Spack's
 * OCI build caches, Spack mirrors over https/file URLs. Each answers "which verified binary of
 * this request does it hold for this host?"; install asks them in the order the user set.
 * The mirror source implements this; the two OCI sources can adopt it as they are reworked.
 */
import type { BinaryLookup, LookupOptions } from './binary.js';

export interface BinarySource {
  /** For messages: "Spack mirror", "OCI registry". */
  kind: string;
  /** Does this location (a settings entry or a --registry value) name a source of this kind? */
  matches(location: string): boolean;
  /** Looks in each location in turn: the first verified binary, or why none was taken. */
  lookup(locations: readonly string[], options: Omit<LookupOptions, 'registries'>): Promise<BinaryLookup>;
  /** Ends what the source keeps open across look-ups (connections). */
  close(): Promise<void>;
}
