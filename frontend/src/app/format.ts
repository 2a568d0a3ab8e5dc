/** "14 bytes", "3.2 KB", "2 MB", "12.5 MB"; "–" for unknown. */
export function formatBytes(n: number | null): string {
  if (n === null) return '–';
  if (n < 1024) return `${n} bytes`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, 'KB'] : [n / 1024 / 1024, 'MB'];
  return `${value.toFixed(1).replace(/\.0$/, '')} ${unit}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
