// `${env:VAR}` / `${env:VAR:-default}` substitution over a config file's whole text, before
// it is parsed (as the Rust engine does, so comments are substituted too). `$$` is a
// literal `$`; `${...}` without the `env:` prefix and a lone `$` are left as they are.

export class EnvSubstitutionError extends Error {}

export function substituteEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text[dollar + 1] === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (!text.startsWith('${env:', dollar)) {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const end = text.indexOf('}', dollar);
    if (end < 0) throw new EnvSubstitutionError(`unterminated \${env:...} placeholder at offset ${dollar}: add the closing "}"`);
    const body = text.slice(dollar + '${env:'.length, end);
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    if (name === '') throw new EnvSubstitutionError(`empty variable name in "\${env:${body}}" at offset ${dollar}`);
    const value = env[name];
    if (value !== undefined) out += value;
    else if (sep >= 0) out += body.slice(sep + 2);
    else throw new EnvSubstitutionError(`environment variable ${name} is not set (used as \${env:${name}}); set it, or give a default with \${env:${name}:-value}`);
    i = end + 1;
  }
  return out;
}
