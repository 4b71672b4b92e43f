/** Secrets registered here are replaced by `***` in everything Paks prints. */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  // Authorization headers and basic-auth URLs never reach output even if unregistered.
  out = out.replace(/(authorization:\s*(?:basic|bearer)\s+)[^\s"']+/gi, '$1***');
  out = out.replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@');
  return out;
}
