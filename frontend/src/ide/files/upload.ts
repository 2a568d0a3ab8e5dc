/** Browser files as base64 for `createFile` (binary-safe; the runner decodes and checks the size limit). */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const CHUNK = 0x8000; // String.fromCharCode's argument count has a limit
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** The runner refuses files over 10 MiB (E2BIG); saying so before reading them spares the upload. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
