/** Billion laughs: nine aliases of nine aliases of ..., far past the yaml parser's maxAliasCount. */
export const ALIAS_BOMB =
  ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n') + '\n';
