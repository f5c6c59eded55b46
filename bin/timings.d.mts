export function mark(phase: string, atMs?: number): void;
export function processStartMs(): number;
