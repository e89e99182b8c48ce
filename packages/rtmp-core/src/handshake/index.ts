export { ClientHandshake, type ClientHandshakeOptions } from './client-handshake';
export {
  type DigestScheme,
  FLASH_MEDIA_SERVER_KEY,
  FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH,
  FLASH_PLAYER_KEY,
  FLASH_PLAYER_KEY_TEXT_LENGTH,
  findDigest,
  makeDigestPacket,
  makeDigestResponse,
  verifyDigestResponse,
} from './digest';
export * from './handshake-constants';
export type { HandshakeStep } from './handshake-step';
export { ServerHandshake } from './server-handshake';
