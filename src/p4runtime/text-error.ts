/** A protobuf text format document that could not be parsed. */
export class TextFormatError extends Error {
  override readonly name = "TextFormatError";
}
