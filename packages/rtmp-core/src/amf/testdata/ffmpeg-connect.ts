/**
 * The body of the `connect` command (RTMP message type 20, 140 bytes) that ffmpeg 5.1.9
 * (Debian 12, libavformat 59.27.100, native rtmpproto.c) sent for
 * `ffmpeg -re -f lavfi -i testsrc -t 1 -f flv rtmp://127.0.0.1:39809/live/x`,
 * captured after the handshake with the 128-byte chunk split (one 0xC3 header) removed.
 */
export const FFMPEG_CONNECT_BODY_HEX =
  '020007636f6e6e656374003ff00000000000000300036170700200046c69766500047479706502000a6e6f6e707269766174650008' +
  '666c617368566572020024464d4c452f332e302028636f6d70617469626c653b204c61766635392e32372e313030290005746355' +
  '726c02001b72746d703a2f2f3132372e302e302e313a33393830392f6c697665000009';
