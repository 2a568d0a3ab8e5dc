/**
 * Which browser origins may open a socket. Patterns are exact origins, or origins with one
 * leading "*." that stands for any subdomain (`http://*.localhost:8080`). Never "*".
 */
export function originPolicy(patterns: string[]): (origin: string) => boolean {
  const exact = new Set<string>();
  const wildcards: RegExp[] = [];
  for (const p of patterns) {
    const m = /^(https?:\/\/)\*\.(.+)$/.exec(p);
    if (!m) {
      exact.add(p.replace(/\/+$/, ''));
      continue;
    }
    const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    wildcards.push(new RegExp(`^${literal(m[1] ?? '')}[a-z0-9-]+(\\.[a-z0-9-]+)*\\.${literal(m[2] ?? '')}$`, 'i'));
  }
  return (origin) => exact.has(origin) || wildcards.some((w) => w.test(origin));
}
