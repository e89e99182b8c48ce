export { type EdgeConfig, EdgeConfigSchema, parseEdgeConfig } from './config';
export { Edge, type EdgeAddresses, type EdgeOptions } from './edge';
