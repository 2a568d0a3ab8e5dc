import { useSyncExternalStore } from 'react';

/** The IDE's pages: the list of repls, one repl, your access tokens, the admin's view. Terminal tabs live in the query string. */
export type Route = { page: 'home' } | { page: 'repl'; id: string } | { page: 'tokens' } | { page: 'admin' };

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function parseRoute(pathname: string): Route {
  const m = /^\/repl\/([a-z0-9]+)\/?$/.exec(pathname);
  if (m?.[1]) return { page: 'repl', id: m[1] };
  if (/^\/tokens\/?$/.test(pathname)) return { page: 'tokens' };
  if (/^\/admin\/?$/.test(pathname)) return { page: 'admin' };
  return { page: 'home' };
}

export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => window.location.pathname,
  );
  return parseRoute(pathname);
}

/** Replaces one query parameter without a history entry (terminal ids survive a reload this way). */
export function setQueryParam(name: string, value: string | null): void {
  const url = new URL(window.location.href);
  if (value === null) url.searchParams.delete(name);
  else url.searchParams.set(name, value);
  window.history.replaceState(null, '', url);
}

export function queryParam(name: string): string | null {
  return new URL(window.location.href).searchParams.get(name);
}
