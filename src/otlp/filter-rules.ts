// processor:filter's rules for one signal, in the Rust engine's terms: an include and/or an
// exclude match, each with a match type (strict: exact, case-sensitive; regexp: unanchored
// search) and the categories the config lists. include keeps a record when every configured
// category holds; exclude drops it when any holds (the engine negates each category on its
// own). Within a category any entry may match, except resource_attributes, where all must.
import type { AttributeLiteral } from './attribute-actions.js';

export interface AttributeRule {
  key: string;
  value: AttributeLiteral;
}

export interface MatchRules {
  regexp: boolean;
  resourceAttributes: AttributeRule[];
  /** Log record or span attributes. */
  recordAttributes: AttributeRule[];
  eventAttributes: AttributeRule[];
  linkAttributes: AttributeRule[];
  severityTexts: string[];
  /** severity >= min, or 0 (unspecified) when matchUndefined. */
  severityNumber?: { min: number; matchUndefined: boolean };
  bodies: AttributeLiteral[];
  spanNames: string[];
  /** OTLP SpanKind numbers. */
  spanKinds: number[];
  eventNames: string[];
  metricNames: string[];
}

export interface FilterRules {
  include?: MatchRules;
  exclude?: MatchRules;
}

export function emptyMatch(regexp: boolean): MatchRules {
  return {
    regexp, resourceAttributes: [], recordAttributes: [], eventAttributes: [], linkAttributes: [], severityTexts: [], bodies: [], spanNames: [],
    spanKinds: [], eventNames: [], metricNames: [],
  };
}
