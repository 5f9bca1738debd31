/// A model file that cannot be read, written or understood. Every case records where the problem is and what was
/// expected, and `description` is one sentence with the location first:
///
///     model.safetensors, byte 0: expected an 8-byte header length, found a 5-byte file (not a safetensors file?)
///     model.safetensors, tensor "layers.0.weight": expected "dtype" to be one of F32, F64, I64, U64, U8, found "BF16"
///     model.safetensors, layers.0.weight: expected F32 of shape [3, 2], found F64 of shape [2, 3]
///     out/model.safetensors: cannot write: No such file or directory
public enum ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file's content is not what the format requires at `location`.
  case malformed(Location, expected: String, found: String)
  /// A well-formed safetensors file that is not a valid Backprop model. `field` names the tensor (`layers.0.weight`)
  /// or the metadata entry (`__metadata__.format`, `architecture.sizes`) at fault.
  case invalidModel(file: String, field: String, expected: String, found: String)
  /// The file could not be opened or read at all; `reason` is the system's, e.g. "No such file or directory".
  case unreadable(file: String, reason: String)
  /// The file could not be written; the file that was there before, if any, is unchanged.
  case unwritable(file: String, reason: String)

  /// Where in a model file a problem is: the file, a byte offset from the start of the file where one applies, and
  /// the header key (a tensor name, or `__metadata__`) where one applies.
  public struct Location: Sendable, Hashable, CustomStringConvertible {
    /// The path as the caller gave it.
    public var file: String
    /// Bytes from the start of the file, counting from 0.
    public var byteOffset: Int?
    /// The key of the header entry at fault: a tensor name, or `__metadata__` for the metadata.
    public var key: String?

    public init(file: String, byteOffset: Int? = nil, key: String? = nil) {
      self.file = file
      self.byteOffset = byteOffset
      self.key = key
    }

    /// `model.safetensors, byte 8`, `model.safetensors, tensor "w"`, `model.safetensors, __metadata__`, or a
    /// combination in that order.
    public var description: String {
      var parts = [file]
      if let byteOffset { parts.append("byte \(byteOffset)") }
      if let key { parts.append(key == "__metadata__" ? key : "tensor \(quoted(key))") }
      return parts.joined(separator: ", ")
    }
  }

  public var description: String {
    switch self {
    case let .malformed(location, expected, found):
      return "\(location): expected \(expected), found \(found)"
    case let .invalidModel(file, field, expected, found):
      return "\(file), \(field): expected \(expected), found \(found)"
    case let .unreadable(file, reason):
      return "\(file): cannot read: \(reason)"
    case let .unwritable(file, reason):
      return "\(file): cannot write: \(reason)"
    }
  }
}

/// `text` as a JSON string literal (see `jsonStringLiteral`), cut after `limit` characters, so a tensor name in an
/// error message reads as it is spelled in the file's header and stays on one line.
func quoted(_ text: String, limit: Int = 80) -> String {
  let scalars = text.unicodeScalars
  guard scalars.count > limit else { return jsonStringLiteral(text) }
  return jsonStringLiteral(String(String.UnicodeScalarView(scalars.prefix(limit)))) + "…"
}
