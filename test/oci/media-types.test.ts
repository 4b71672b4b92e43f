import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import * as mt from '../../src/oci/media-types.js';

describe('media types', () => {
  it('maps build cache files by kind', () => {
    const cases: [string, string][] = [
      ['build_cache/linux-x/gcc/zlib-1.3/linux-x-zlib-1.3-abc.spack', mt.SPACK_TARBALL],
      ['build_cache/linux-x-zlib-1.3-abc.spec.json.sig', mt.SPACK_SPEC_SIGNED],
      ['build_cache/linux-x-zlib-1.3-abc.spec.json', mt.SPACK_SPEC],
      ['build_cache/index.json', mt.SPACK_INDEX],
      ['build_cache/index.json.hash', mt.SPACK_INDEX_HASH],
      ['build_cache/_pgp/07FBB82C9AB40B37396FFDFA24B7E59CCC304FFD.pub', mt.PGP_KEYS],
      ['build_cache/_pgp/index.json', mt.SPACK_INDEX],
      ['sbom/zlib.cdx.json', mt.CYCLONEDX_JSON],
      ['sbom/zlib.spdx.json', mt.SPDX_JSON],
      ['README', mt.OCTET_STREAM],
      ['notes.pub', mt.OCTET_STREAM],
    ];
    for (const [path, type] of cases) assert.equal(mt.mediaTypeForPath(path), type, path);
  });

  it('uses only parameter-free RFC 6838 names', () => {
    const all = (Object.values(mt) as unknown[]).filter((v): v is string => typeof v === 'string' && v.startsWith('application/'));
    assert.ok(all.length > 10);
    for (const type of all) assert.match(type, mt.MEDIA_TYPE_PATTERN, type);
    assert.doesNotMatch('application/vnd.x+json;signed', mt.MEDIA_TYPE_PATTERN);
  });

  it('describes the empty config blob correctly', () => {
    const bytes = Buffer.from(mt.EMPTY_CONFIG.data, 'base64');
    assert.equal(bytes.toString(), '{}');
    assert.equal(mt.EMPTY_CONFIG.size, bytes.length);
    assert.equal(mt.EMPTY_CONFIG.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });
});
