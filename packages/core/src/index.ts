export * from './backoff.ts';
export * from './checksum.ts';
export * from './entities.ts';
export * from './errors.ts';
export * from './hlc.ts';
export * from './merge.ts';
export * from './protocol.ts';
export * from './uuid.ts';
