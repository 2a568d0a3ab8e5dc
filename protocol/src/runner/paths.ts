import { z } from 'zod';

/**
 * A POSIX path relative to the workspace root ("" is the root). The schema only bounds its
 * shape; confinement (no "..", no absolute paths, no NUL, no symlink escapes) is the runner's
 * job and answers EACCES, not EINVAL, so a client can tell "malformed" from "forbidden".
 */
export const WorkspacePath = z.string().max(4096);
export type WorkspacePath = z.infer<typeof WorkspacePath>;
