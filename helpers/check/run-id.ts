import { randomBytes } from 'node:crypto';

/** `YYYYMMDDTHHMMSSZ-<6 hex>`: sortable by time, unique across concurrent runs. */
export function newRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${ts}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
