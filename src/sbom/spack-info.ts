/**
 * Reads `spack info <package>` (Spack 0.23): homepage, versions with their source URLs,
 * dependencies by type and licences, which the spec DAG itself does not carry.
 */
import { PaksError } from '../errors.js';
import type { PackageInfo } from './package-info.js';

export interface SpackVersionSource {
  version: string;
  url?: string;
}

export interface SpackVariantInfo {
  name: string;
  default: string;
  values: string;
  description?: string;
}

export interface SpackPackageInfo {
  name: string;
  /** e.g. `MakefilePackage`, `CMakePackage`. */
  packageClass: string;
  description?: string;
  homepage?: string;
  preferredVersion?: SpackVersionSource;
  safeVersions: SpackVersionSource[];
  deprecatedVersions: SpackVersionSource[];
  variants: SpackVariantInfo[];
  /** Keyed by Spack's dependency type as `spack info` titles it: build, link, run, test. */
  dependencies: Record<string, string[]>;
  licenses: string[];
}

interface Section {
  title: string;
  inline: string;
  lines: string[];
}

function sections(text: string): { first: string; sections: Section[] } {
  const all = text.replace(/\r\n/g, '\n').split('\n');
  const firstIndex = all.findIndex((line) => line.trim() !== '');
  const result: Section[] = [];
  let current: Section | undefined;
  for (const line of all.slice(firstIndex + 1)) {
    const header = /^([A-Z][A-Za-z ]*):(.*)$/.exec(line);
    if (header) {
      current = { title: header[1]!.trim(), inline: header[2]!.trim(), lines: [] };
      result.push(current);
    } else if (current && line.trim() !== '') {
      current.lines.push(line);
    }
  }
  return { first: all[firstIndex] ?? '', sections: result };
}

const isNone = (lines: string[]) => lines.length === 1 && lines[0]!.trim() === 'None';

function versionList(lines: string[]): SpackVersionSource[] {
  if (isNone(lines)) return [];
  return lines.map((line) => {
    const [version, url] = line.trim().split(/\s+/);
    return url ? { version: version!, url } : { version: version! };
  });
}

function variantList(lines: string[]): SpackVariantInfo[] {
  if (isNone(lines)) return [];
  const variants: SpackVariantInfo[] = [];
  for (const line of lines) {
    const variant = /^ {4}(\S+) \[([^\]]*)\]\s*(.*)$/.exec(line);
    if (variant) {
      variants.push({ name: variant[1]!, default: variant[2]!, values: variant[3]!.trim() });
    } else if (/^ {8}/.test(line) && variants.length > 0) {
      const last = variants[variants.length - 1]!;
      last.description = last.description ? `${last.description} ${line.trim()}` : line.trim();
    }
  }
  return variants;
}

function words(lines: string[]): string[] {
  if (isNone(lines)) return [];
  return lines.flatMap((line) => line.trim().split(/\s+/)).filter(Boolean);
}

export function parseSpackInfo(text: string): SpackPackageInfo {
  const { first, sections: parts } = sections(text);
  const heading = /^(\w+):\s+(\S+)\s*$/.exec(first);
  if (!heading) {
    throw new PaksError('spack', `This is not the output of \`spack info\`: it starts with "${first.slice(0, 80)}"`);
  }
  const info: SpackPackageInfo = {
    packageClass: heading[1]!,
    name: heading[2]!,
    safeVersions: [],
    deprecatedVersions: [],
    variants: [],
    dependencies: {},
    licenses: [],
  };
  for (const section of parts) {
    const dependencyType = /^(\w+) Dependencies$/.exec(section.title);
    if (section.title === 'Description') {
      const description = section.lines.map((l) => l.trim()).join(' ');
      if (description && description !== 'None') info.description = description;
    } else if (section.title === 'Homepage' && section.inline) info.homepage = section.inline;
    else if (section.title === 'Preferred version') info.preferredVersion = versionList(section.lines)[0];
    else if (section.title === 'Safe versions') info.safeVersions = versionList(section.lines);
    else if (section.title === 'Deprecated versions') info.deprecatedVersions = versionList(section.lines);
    else if (section.title === 'Variants') info.variants = variantList(section.lines);
    else if (section.title === 'Licenses' || section.title === 'License') {
      info.licenses = isNone(section.lines) ? [] : section.lines.map((l) => l.trim()).filter(Boolean);
    } else if (dependencyType) info.dependencies[dependencyType[1]!.toLowerCase()] = words(section.lines);
  }
  if (info.preferredVersion === undefined) delete info.preferredVersion;
  return info;
}

/**
 * What an SBOM can say about one version of a package. A licence is given only when
 * `spack info` lists exactly one: with several, it does not say which applies to a version.
 */
export function packageInfoFor(info: SpackPackageInfo, version: string): PackageInfo {
  const result: PackageInfo = {};
  if (info.homepage) result.homepage = info.homepage;
  const all = [...(info.preferredVersion ? [info.preferredVersion] : []), ...info.safeVersions, ...info.deprecatedVersions];
  const url = all.find((v) => v.version === version)?.url;
  if (url) result.url = url;
  if (info.licenses.length === 1) result.license = info.licenses[0]!;
  return result;
}
