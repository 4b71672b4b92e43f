/**
 * git's rules for ref names (`git check-ref-format`, refs.c), as a pure function: a tag Paks
 * makes must be one git and GitHub accept. `name` is what follows `refs/tags/`.
 */

/** Why git would refuse `refs/tags/<name>`, in words; undefined when it accepts it. */
export function tagNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  // eslint-disable-next-line no-control-regex
  const control = /[\x00-\x1f\x7f]/.exec(name);
  if (control) return `contains the control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
  const forbidden = /[ ~^:?*[\\]/.exec(name);
  if (forbidden) return forbidden[0] === ' ' ? 'contains a space' : `contains '${forbidden[0]}'`;
  if (name.includes('..')) return "contains '..'";
  if (name.includes('@{')) return "contains '@{'";
  if (name.startsWith('/') || name.endsWith('/')) return `${name.startsWith('/') ? 'begins' : 'ends'} with '/'`;
  if (name.includes('//')) return "contains '//'";
  if (name.endsWith('.')) return "ends with '.'";
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return `has a part that begins with '.' (${component})`;
    if (component.endsWith('.lock')) return `has a part that ends with '.lock' (${component})`;
  }
  return undefined;
}
