// Protocol clients over tunnels, from maintained libraries.
export * from './latency.js';
export * from './pg.js';
export * from './redis.js';
export * from './kafka.js';
export * from './http.js';
export * from './dns.js';
