export const DEFAULT_CACHE_DIR: string;
export function compiled(
  entry: string,
  opts?: { cacheDir?: string },
): Promise<{ file: string; built: boolean }>;
export function importCompiled(file: string, opts?: { cacheDir?: string }): Promise<Record<string, unknown>>;
export function vendoredClientNode(opts?: { vendorDir?: string }): Promise<string>;
