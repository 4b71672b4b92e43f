import type { SpackDialect } from '../spack/dialect/index.js';
import type { ScopeContent } from '../spack/scope.js';
import { targetScope } from './target.js';

/** What the scope of a build depends on. */
export interface BuildScopeInputs {
  /** build_padded_length: binaries built in a padded prefix relocate into any consumer prefix up to that length (0: none). */
  paddedLength: number;
  /** The package repositories the build's recipes come from: Spack needs them to install, test and push. */
  repos?: readonly string[];
  /** The Spack that reads the scope (its `repos:` form differs). */
  dialect?: SpackDialect;
  /** The target family to build for (build_target, paks.yaml targets, --target): dependencies follow it. */
  target?: string | undefined;
}

/**
 * The one Spack scope of every call a build makes (install, test, buildcache push, SBOMs),
 * so that no call sees another install tree or misses the recipes' namespace.
 */
export function buildScope(inputs: BuildScopeInputs): ScopeContent {
  return {
    ...(inputs.dialect ? { dialect: inputs.dialect } : {}),
    ...(inputs.repos?.length ? { repos: [...inputs.repos] } : {}),
    ...(inputs.paddedLength > 0 ? { config: { install_tree: { padded_length: inputs.paddedLength } } } : {}),
    ...targetScope(inputs.target),
  };
}
