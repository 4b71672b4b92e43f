/**
 * SPDX 2.3 JSON for one spec DAG. Each Spack dependency type becomes the relationship SPDX
 * defines for it, in SPDX's direction:
 *   link  A DEPENDS_ON B                (A needs B's libraries)
 *   run   B RUNTIME_DEPENDENCY_OF A
 *   build B BUILD_DEPENDENCY_OF A
 *   test  B TEST_DEPENDENCY_OF A
 */
import type { DependencyType, SpecDocument, SpecNode } from '../spack/spec-json.js';
import { sbomTimestamp, uuidV5 } from './document-identity.js';
import { nodeFacts } from './node-facts.js';
import { isSpdxExpression } from './package-info.js';
import { spackPurl } from './purl.js';
import type { SbomOptions } from './sbom-options.js';
import { specGraph } from './spec-graph.js';

export interface SpdxOptions extends SbomOptions {
  /** Start of documentNamespace; a unique suffix is added. */
  namespaceBase?: string;
}

type Json = Record<string, unknown>;

const NOASSERTION = 'NOASSERTION';

export function spdxId(node: SpecNode): string {
  return `SPDXRef-Package-${node.name.replace(/[^A-Za-z0-9.-]/g, '-')}-${node.hash}`;
}

function relationshipFor(type: DependencyType, from: SpecNode, to: SpecNode): Json {
  const [element, kind, related] =
    type === 'link'
      ? [from, 'DEPENDS_ON', to]
      : type === 'run'
        ? [to, 'RUNTIME_DEPENDENCY_OF', from]
        : type === 'build'
          ? [to, 'BUILD_DEPENDENCY_OF', from]
          : [to, 'TEST_DEPENDENCY_OF', from];
  return {
    spdxElementId: spdxId(element),
    relationshipType: kind,
    relatedSpdxElement: spdxId(related),
    comment: `Spack dependency type: ${type}`,
  };
}

export function spdxFor(document: SpecDocument, options: SpdxOptions): Json {
  const graph = specGraph(document);
  const timestamp = sbomTimestamp(options.timestamp);
  const root = graph.root;
  const docName = `${root.name}-${root.version}-${root.hash.slice(0, 7)}`;
  const base = (options.namespaceBase ?? 'https://spdx.org/spdxdocs').replace(/\/+$/, '');

  const packages = graph.nodes.map((node): Json => {
    const info = options.packageInfo?.[node.name] ?? {};
    const pkg: Json = {
      SPDXID: spdxId(node),
      name: node.name,
      versionInfo: node.version,
      downloadLocation: info.url ?? NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: info.license && isSpdxExpression(info.license) ? info.license : NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: node === root ? 'APPLICATION' : 'LIBRARY',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: spackPurl(node, info) }],
    };
    if (info.license && !isSpdxExpression(info.license)) pkg.licenseComments = `Declared by the Spack package as: ${info.license}`;
    if (info.homepage) pkg.homepage = info.homepage;
    if (info.sha256) pkg.checksums = [{ algorithm: 'SHA256', checksumValue: info.sha256 }];
    const facts = nodeFacts(node, new Map(document.spec.nodes.map((n) => [n.hash, n]))).map((f) => `${f.name}=${f.value}`);
    pkg.comment = (node.external ? 'External: provided by the system, not built by Spack. ' : '') + facts.join('; ');
    return pkg;
  });
  packages.sort((a, b) => (a.SPDXID === spdxId(root) ? -1 : b.SPDXID === spdxId(root) ? 1 : String(a.SPDXID).localeCompare(String(b.SPDXID))));

  const dependencies = graph.edges
    .flatMap((edge) => edge.types.map((type) => relationshipFor(type, edge.from, edge.to)))
    .sort(
      (a, b) =>
        String(a.spdxElementId).localeCompare(String(b.spdxElementId)) ||
        String(a.relationshipType).localeCompare(String(b.relationshipType)) ||
        String(a.relatedSpdxElement).localeCompare(String(b.relatedSpdxElement)),
    );

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: docName,
    documentNamespace: `${base}/${docName}-${uuidV5(`paks:spdx:${root.hash}:${timestamp}`)}`,
    creationInfo: { created: timestamp, creators: [`Tool: paks-${options.toolVersion}`] },
    packages,
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: spdxId(root) },
      ...dependencies,
    ],
  };
}
