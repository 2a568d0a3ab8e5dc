import { z } from 'zod';

/** A TCP port something in the repl listens on (any or loopback address), Cubicle's own excluded. */
export const ListeningPort = z.object({ port: z.number().int().min(1).max(65535) });
export type ListeningPort = z.infer<typeof ListeningPort>;

export const PortListRequest = z.object({}).optional();
export const PortListResult = z.object({ ports: z.array(ListeningPort) });
export type PortListResult = z.infer<typeof PortListResult>;

/** Pushed to every socket when a port opens or closes: the whole list. */
export type PortsChangedPush = PortListResult;

/**
 * The preview host of one port: `<port>-` before the repl's preview host
 * (`http://8081-abc.localhost:8080` beside `http://abc.localhost:8080`).
 */
export function portPreviewUrl(previewUrl: string, port: number): string {
  const url = new URL(previewUrl);
  url.hostname = `${port}-${url.hostname}`;
  return url.origin;
}
