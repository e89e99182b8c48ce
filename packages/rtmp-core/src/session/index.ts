export { ProtocolSession, type ConnectionStats } from './protocol-session';
