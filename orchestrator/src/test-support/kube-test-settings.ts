import type { ReplPodSettings } from '../drivers/kubernetes/repl-objects.js';

/** Pod settings for tests: what an operator's configuration would produce. */
export const TEST_POD_SETTINGS: ReplPodSettings = {
  namespace: 'cubicle',
  runnerImage: 'registry.example.com/cubicle-runner:1.0.0',
  secretName: 'cubicle-secrets',
  env: { S3_BUCKET: 'cubicle', S3_REGION: 'us-east-1', ALLOWED_ORIGINS: 'https://cubicle.example.com' },
  resources: {
    cpuRequest: '100m',
    cpuLimit: '1',
    memoryRequest: '256Mi',
    memoryLimit: '1Gi',
    ephemeralRequest: '1Gi',
    ephemeralLimit: '4Gi',
    workspaceSize: '2Gi',
    cacheSize: '2Gi',
    volumeStorageClass: null,
  },
  runtimeClassName: null,
  scheduling: { nodeSelector: {}, tolerations: [], affinity: null, priorityClassName: null, imagePullSecrets: [] },
  terminationGracePeriodSeconds: 45,
  shutdownTimeoutSeconds: 30,
};
