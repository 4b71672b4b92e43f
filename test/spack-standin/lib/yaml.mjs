// A small YAML subset reader/writer, enough for Spack configuration files:
// block mappings and sequences, "- key: value" items, flow [] / {} on one line,
// quoted and plain scalars, comments, and Spack's "key::" override marker.
// Keys ending in "::" are returned with the trailing ':' kept (e.g. "mirrors:").

export function parseYaml(text) {
  const lines = [];
  for (const raw of text.split(/\r?\n/)) {
    const stripped = stripComment(raw);
    if (stripped.trim() === '' || stripped.trim() === '---') continue;
    const indent = stripped.length - stripped.trimStart().length;
    lines.push({ indent, text: stripped.trim() });
  }
  if (lines.length === 0) return null;
  const [value] = parseBlock(lines, 0, lines[0].indent);
  return value;
}

function stripComment(line) {
  let inS = false;
  let inD = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" && !inD) inS = !inS;
    else if (c === '"' && !inS) inD = !inD;
    else if (c === '#' && !inS && !inD && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).replace(/\s+$/, '');
  }
  return line.replace(/\s+$/, '');
}

function parseBlock(lines, i, indent) {
  if (lines[i].text.startsWith('- ') || lines[i].text === '-') return parseSeq(lines, i, indent);
  return parseMap(lines, i, indent);
}

function splitKey(text) {
  // returns [key, rest] or null if not a mapping entry
  let inS = false;
  let inD = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && !inD) inS = !inS;
    else if (c === '"' && !inS) inD = !inD;
    else if (c === ':' && !inS && !inD && (i + 1 === text.length || text[i + 1] === ' ' || (text[i + 1] === ':' && (i + 2 === text.length || text[i + 2] === ' ')))) {
      if (text[i + 1] === ':') return [unquote(text.slice(0, i).trim()) + ':', text.slice(i + 2).trim()];
      return [unquote(text.slice(0, i).trim()), text.slice(i + 1).trim()];
    }
  }
  return null;
}

function parseMap(lines, i, indent) {
  const obj = {};
  while (i < lines.length && lines[i].indent === indent && !lines[i].text.startsWith('- ')) {
    const kv = splitKey(lines[i].text);
    if (!kv) throw new Error(`cannot parse YAML line: ${lines[i].text}`);
    const [key, rest] = kv;
    i++;
    if (rest !== '') {
      obj[key] = parseScalarOrFlow(rest);
    } else if (i < lines.length && (lines[i].indent > indent || (lines[i].indent === indent && lines[i].text.startsWith('- ')))) {
      const [v, ni] = parseBlock(lines, i, lines[i].indent);
      obj[key] = v;
      i = ni;
    } else {
      obj[key] = null;
    }
  }
  return [obj, i];
}

function parseSeq(lines, i, indent) {
  const arr = [];
  while (i < lines.length && lines[i].indent === indent && (lines[i].text.startsWith('- ') || lines[i].text === '-')) {
    const rest = lines[i].text === '-' ? '' : lines[i].text.slice(2).trim();
    if (rest === '') {
      i++;
      if (i < lines.length && lines[i].indent > indent) {
        const [v, ni] = parseBlock(lines, i, lines[i].indent);
        arr.push(v);
        i = ni;
      } else arr.push(null);
      continue;
    }
    const kv = rest.startsWith('{') || rest.startsWith('[') || rest.startsWith('"') || rest.startsWith("'") ? null : splitKey(rest);
    if (kv) {
      // "- key: value" starts an inline mapping whose other keys are indented further
      const innerIndent = indent + 2 + (lines[i].text.slice(2).length - lines[i].text.slice(2).trimStart().length);
      const fake = { indent: innerIndent, text: rest };
      const sub = [fake];
      let j = i + 1;
      while (j < lines.length && lines[j].indent > indent) sub.push(lines[j++]);
      const [v] = parseMap(sub, 0, innerIndent);
      arr.push(v);
      i = j;
    } else {
      arr.push(parseScalarOrFlow(rest));
      i++;
    }
  }
  return [arr, i];
}

function unquote(s) {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return JSON.parse(s);
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

function parseScalarOrFlow(s) {
  if (s.startsWith('[') || s.startsWith('{')) {
    const [v] = parseFlow(s, 0);
    return v;
  }
  return parseScalar(s);
}

function parseScalar(s) {
  if (s.startsWith('"') || s.startsWith("'")) return unquote(s);
  if (s === 'null' || s === '~' || s === 'Null' || s === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(s)) return true;
  if (/^(false|False|FALSE)$/.test(s)) return false;
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^-?\d+\.\d+$/.test(s)) return Number(s);
  return s;
}

function parseFlow(s, i) {
  const skip = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  skip();
  if (s[i] === '[') {
    i++;
    const arr = [];
    skip();
    if (s[i] === ']') return [arr, i + 1];
    for (;;) {
      const [v, ni] = parseFlow(s, i);
      arr.push(v);
      i = ni;
      skip();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === ']') return [arr, i + 1];
      throw new Error(`bad flow sequence: ${s}`);
    }
  }
  if (s[i] === '{') {
    i++;
    const obj = {};
    skip();
    if (s[i] === '}') return [obj, i + 1];
    for (;;) {
      skip();
      let j = i;
      let key;
      if (s[j] === '"' || s[j] === "'") {
        const q = s[j];
        j++;
        while (j < s.length && s[j] !== q) j++;
        key = unquote(s.slice(i, j + 1));
        j++;
      } else {
        while (j < s.length && s[j] !== ':') j++;
        key = s.slice(i, j).trim();
      }
      while (s[j] !== ':') j++;
      i = j + 1;
      const [v, ni] = parseFlow(s, i);
      obj[key] = v;
      i = ni;
      skip();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') return [obj, i + 1];
      throw new Error(`bad flow mapping: ${s}`);
    }
  }
  // scalar inside flow context
  if (s[i] === '"' || s[i] === "'") {
    const q = s[i];
    let j = i + 1;
    while (j < s.length && s[j] !== q) j++;
    return [unquote(s.slice(i, j + 1)), j + 1];
  }
  let j = i;
  while (j < s.length && !',]}'.includes(s[j])) j++;
  return [parseScalar(s.slice(i, j).trim()), j];
}

// ---------------------------------------------------------------- writer
function needsQuote(s) {
  return (
    s === '' ||
    /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) ||
    /:\s|\s#|:$/.test(s) ||
    /^(true|false|null|yes|no|on|off|~)$/i.test(s) ||
    /^-?\d+(\.\d+)?$/.test(s) ||
    /\s$/.test(s)
  );
}

function scalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  const s = String(v);
  if (needsQuote(s)) return `'${s.replace(/'/g, "''")}'`;
  return s;
}

// Writes like Spack's ruamel dumper (2-space indent, sequences not indented
// below their parent key).
export function dumpYaml(v, indent = 0) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    if (v.length === 0) return `${pad}[]\n`;
    let s = '';
    for (const item of v) {
      if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length) {
        const inner = dumpYaml(item, indent + 2);
        s += `${pad}- ${inner.slice(indent + 2)}`;
      } else if (Array.isArray(item) && item.length) {
        s += `${pad}-\n${dumpYaml(item, indent + 2)}`;
      } else {
        s += `${pad}- ${flowOrScalar(item)}\n`;
      }
    }
    return s;
  }
  if (v && typeof v === 'object') {
    let s = '';
    for (const [k, val] of Object.entries(v)) {
      const key = k.endsWith(':') ? `${scalar(k.slice(0, -1))}::` : `${scalar(k)}:`;
      if (Array.isArray(val) && val.length) s += `${pad}${key}\n${dumpYaml(val, indent)}`;
      else if (val && typeof val === 'object' && !Array.isArray(val) && Object.keys(val).length) s += `${pad}${key}\n${dumpYaml(val, indent + 2)}`;
      else s += `${pad}${key} ${flowOrScalar(val)}\n`;
    }
    return s;
  }
  return `${pad}${scalar(v)}\n`;
}

function flowOrScalar(v) {
  if (Array.isArray(v)) return '[]';
  if (v && typeof v === 'object') return '{}';
  return scalar(v);
}
