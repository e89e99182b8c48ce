/**
 * AMF0 and AMF3 codecs: pure functions over bytes, no I/O. Decoders throw only
 * `AmfError` and apply `AmfLimits` to every declared length, count, nesting level and to
 * the number of values decoded; encoders apply `AmfEncodeLimits` (values visited, bytes written).
 */
export { AmfError, AmfErrorCode } from './amf-error';
export {
  AMF_DEFAULT_MAX_BYTES,
  AMF_DEFAULT_MAX_DEPTH,
  AMF_DEFAULT_MAX_ELEMENTS,
  AMF_DEFAULT_MAX_ENCODED_BYTES,
  AMF_DEFAULT_MAX_NODES,
  AMF_DEFAULT_MAX_STRING_LENGTH,
  type AmfEncodeLimits,
  type AmfLimits,
  DEFAULT_AMF_ENCODE_LIMITS,
  DEFAULT_AMF_LIMITS,
} from './amf-limits';
export { AmfReader } from './amf-reader';
export { AmfEcmaArray, type AmfObject, AmfTypedObject, type AmfValue, AmfVector, AmfXml } from './amf-value';
export { type Amf0EncodeOptions, Amf0Marker, decodeAmf0, decodeAmf0Value, encodeAmf0 } from './amf0';
export { AMF3_KNOWN_EXTERNALIZABLE, Amf3Marker, decodeAmf3, encodeAmf3 } from './amf3';
