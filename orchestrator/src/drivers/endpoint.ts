import { Agent, type Dispatcher } from 'undici';

/**
 * A sandbox's address as the orchestrator keeps it: `http://host:port` (a pod's Service) or
 * `unix:/path/to.sock` (a local sandbox's socket, made by the orchestrator and handed to the runner).
 */
export type Endpoint = string;

export function unixEndpoint(socketPath: string): Endpoint {
  return `unix:${socketPath}`;
}

export function socketPathOf(endpoint: Endpoint): string | null {
  return endpoint.startsWith('unix:') ? endpoint.slice('unix:'.length) : null;
}

const agents = new Map<string, Agent>();

/** The URL and undici dispatcher a request to `path` on the endpoint goes through. */
export function requestTarget(endpoint: Endpoint, path: string): { url: string; dispatcher?: Dispatcher } {
  const socketPath = socketPathOf(endpoint);
  if (!socketPath) return { url: `${endpoint}${path}` };
  let agent = agents.get(socketPath);
  if (!agent) {
    agent = new Agent({ connect: { socketPath } });
    agents.set(socketPath, agent);
  }
  return { url: `http://sandbox${path}`, dispatcher: agent };
}

/** Forgets the connection pool of a sandbox that is gone. */
export function releaseEndpoint(endpoint: Endpoint): void {
  const socketPath = socketPathOf(endpoint);
  const agent = socketPath ? agents.get(socketPath) : undefined;
  if (!socketPath || !agent) return;
  agents.delete(socketPath);
  void agent.close().catch(() => {});
}

/** What http-proxy takes as a target for the endpoint. */
export function proxyTarget(endpoint: Endpoint): string | { host: string; port: number; socketPath: string } {
  const socketPath = socketPathOf(endpoint);
  // host and port are what the proxy's types ask for; with a socketPath, Node ignores them.
  return socketPath ? { host: 'sandbox', port: 80, socketPath } : endpoint;
}
