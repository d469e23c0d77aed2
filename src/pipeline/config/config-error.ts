// Configuration errors: every problem found, each with where it is (file and dotted path to
// the node and field) and what was expected, reported together.

export interface ConfigIssue {
  /** Dotted path into the document, e.g. groups.default.pipelines.main.nodes.recv.config.protocols */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly source: string, readonly issues: ConfigIssue[]) {
    super(`invalid pipeline configuration ${source}:\n${issues.map((i) => `  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Dotted path of a zod issue path (numbers as [i], odd keys quoted). */
export function joinPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else {
      const s = String(p);
      out += /^[A-Za-z0-9_-]+$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}
