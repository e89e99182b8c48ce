export { type ConnectionStats, ProtocolSession } from './protocol-session';
