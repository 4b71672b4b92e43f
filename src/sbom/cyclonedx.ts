/**
 * CycloneDX 1.6 JSON for one spec DAG: the root as metadata.component, every other node as a
 * component, every dependency edge in `dependencies`. CycloneDX edges carry no type, so each
 * component also records its dependencies' Spack types as properties, and nodes the root
 * does not need at run time (build/test-only) get scope `excluded`.
 */
import type { SpecDocument, SpecNode } from '../spack/spec-json.js';
import { sbomTimestamp, uuidV5 } from './document-identity.js';
import { nodeFacts } from './node-facts.js';
import { isSpdxExpression, type PackageInfo } from './package-info.js';
import { spackPurl } from './purl.js';
import type { SbomOptions } from './sbom-options.js';
import { specGraph } from './spec-graph.js';

type Json = Record<string, unknown>;

export function bomRef(node: SpecNode): string {
  return `${node.name}@${node.version}/${node.hash}`;
}

function licenses(info: PackageInfo): Json[] | undefined {
  if (!info.license) return undefined;
  return isSpdxExpression(info.license) ? [{ expression: info.license }] : [{ license: { name: info.license } }];
}

function externalReferences(info: PackageInfo): Json[] | undefined {
  const refs: Json[] = [];
  if (info.homepage) refs.push({ type: 'website', url: info.homepage });
  if (info.url) {
    const ref: Json = { type: 'source-distribution', url: info.url };
    if (info.sha256) ref.hashes = [{ alg: 'SHA-256', content: info.sha256 }];
    refs.push(ref);
  }
  return refs.length ? refs : undefined;
}

export function cycloneDxFor(document: SpecDocument, options: SbomOptions): Json {
  const graph = specGraph(document);
  const timestamp = sbomTimestamp(options.timestamp);
  const component = (node: SpecNode): Json => {
    const info = options.packageInfo?.[node.name] ?? {};
    const properties = nodeFacts(node, new Map(document.spec.nodes.map((n) => [n.hash, n]))).map((f) => ({ name: f.name, value: f.value }));
    for (const edge of graph.edges.filter((e) => e.from === node)) {
      const dep = `${edge.to.name}/${edge.to.hash.slice(0, 7)}`;
      properties.push({ name: `spack:dependency:${dep}`, value: edge.types.join(',') });
      if (edge.virtuals.length) properties.push({ name: `spack:dependency-virtuals:${dep}`, value: edge.virtuals.join(',') });
    }
    properties.sort((a, b) => a.name.localeCompare(b.name) || a.value.localeCompare(b.value));
    const result: Json = {
      type: node === graph.root ? 'application' : 'library',
      'bom-ref': bomRef(node),
      name: node.name,
      version: node.version,
    };
    if (node !== graph.root) result.scope = graph.runtime.has(node) ? 'required' : 'excluded';
    const declared = licenses(info);
    if (declared) result.licenses = declared;
    result.purl = spackPurl(node, info);
    const refs = externalReferences(info);
    if (refs) result.externalReferences = refs;
    result.properties = properties;
    return result;
  };

  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuidV5(`paks:cyclonedx:${graph.root.hash}:${timestamp}`)}`,
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [{ type: 'application', name: 'paks', version: options.toolVersion }] },
      component: component(graph.root),
    },
    components: graph.nodes.filter((n) => n !== graph.root).map(component),
    dependencies: graph.nodes
      .map((node) => ({
        ref: bomRef(node),
        dependsOn: [...new Set(graph.edges.filter((e) => e.from === node).map((e) => bomRef(e.to)))].sort(),
      }))
      .sort((a, b) => a.ref.localeCompare(b.ref)),
  };
}
