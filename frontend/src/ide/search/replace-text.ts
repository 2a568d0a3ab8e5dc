/** What a search looks for, as the search view sends it to the runner. */
export interface SearchQuery {
  query: string;
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
}

/**
 * The search as a JavaScript RegExp, to replace what ripgrep found. Literal text is escaped;
 * the regular expressions people type (classes, groups, anchors, \w, \d) mean the same in both.
 */
export function searchRegExp(q: SearchQuery): RegExp {
  const source = q.regex ? q.query : q.query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const bounded = q.wholeWord ? `\\b(?:${source})\\b` : source;
  return new RegExp(bounded, `g${q.caseSensitive ? '' : 'i'}m`);
}

/** `text` with every match replaced (`$1` names a group when it is a regex); how many were replaced. */
export function replaceAll(text: string, q: SearchQuery, replacement: string): { text: string; count: number } {
  const re = searchRegExp(q);
  const count = text.match(re)?.length ?? 0;
  // A literal search's replacement is literal too: `$` means a dollar sign.
  return { text: text.replace(re, q.regex ? replacement : replacement.replaceAll('$', '$$$$')), count };
}
