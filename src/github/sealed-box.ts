import sodium from 'libsodium-wrappers';

/**
 * Seals a value for an Actions secret, as GitHub's API requires: a libsodium sealed box
 * (crypto_box_seal) to the repository's public key, base64 in and out. Only GitHub's runner,
 * which holds the private key, can open it.
 */
export async function sealForGitHub(publicKeyBase64: string, value: string): Promise<string> {
  await sodium.ready;
  const publicKey = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), publicKey);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
