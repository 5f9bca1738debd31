/// A saved model as an [ONNX](https://onnx.ai) model (opset 13, IR version 7) that computes what `backprop predict`
/// writes, for onnxruntime and the other ONNX runtimes.
///
/// The graph takes `input`, FLOAT [N, n[0]] (N symbolic: any batch size), the raw features as `predict` reads
/// them (pixel bytes 0…255 for an image model, CSV values in `feature_names` order for a table), and gives
/// `output`, FLOAT [N, n[L]]:
///
///     Div by 255                                  when input.scaling is divide-by-255
///     Sub input.mean, Div input.scale             when the model standardizes its inputs
///     per layer l: Gemm(A, layers.<l>.weight, layers.<l>.bias) with transB = 1 (no C without biases),
///                  then g: Sigmoid, Tanh, Relu, LeakyRelu (α 0.01), Identity (linear), Softmax (axis 1),
///                  Elu (α 1), Softplus, or GELU as Mul(z, Mul(Add(Erf(Div(z, √2)), 1), 0.5))
///     Mul output.target_scale, Add output.target_mean    for regression with standardized targets
///
/// so `output` holds the class probabilities (classification), the label probabilities (multi-label) or the
/// values in the targets' units (regression). Every ``Activation`` has an ONNX form: the `switch` that maps them
/// is exhaustive, so a new case cannot be added without deciding its form. The weights are stored bit for bit as
/// initializers under the model file's tensor names (`layers.0.weight` …). `metadata_props` holds `task`,
/// `classes`, `feature_names` and `target_columns` (JSON arrays of strings, left out when empty).
public struct ONNXExport: Sendable {
  /// The operator set of the default (`ai.onnx`) domain that the graph uses.
  public static let opsetVersion = 13
  /// The IR version of the file (7 goes with opset 13, ONNX 1.8).
  public static let irVersion = 7
  public static let producerName = "backprop"
  /// The names of the graph's input and output.
  public static let inputName = "input", outputName = "output"
  /// The symbolic batch dimension of `input` and `output`.
  public static let batchDimension = "N"

  /// An operator of the graph.
  struct Node: Equatable {
    enum Attribute: Equatable {
      case int(String, Int)
      case float(String, Float)
    }
    var name: String
    var opType: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [Attribute] = []
  }

  /// A constant tensor of the graph: a FLOAT tensor of `shape`, row-major.
  struct Initializer: Equatable {
    var name: String
    var shape: [Int]
    var values: [Float]
  }

  /// What `producer_version` says, e.g. the `backprop` version.
  public var producerVersion: String
  /// n[0] and n[L]: the widths of `input` and `output`.
  public let inputWidth: Int, outputWidth: Int
  /// The operators in the order they run (a topological order, as ONNX requires).
  private(set) var nodes: [Node] = []
  private(set) var initializers: [Initializer] = []
  /// `metadata_props`, by key.
  public let metadata: [String: String]

  /// The graph of `model`.
  ///
  /// - Throws: ``ONNXExportError`` when the model's standardization does not fit its layers, or the model is
  ///   larger than a protocol buffer can hold (2 GiB).
  public init(_ model: ModelFile<Float>, producerVersion: String) throws {
    let network = model.network, input = model.input, sizes = network.sizes
    self.producerVersion = producerVersion
    inputWidth = sizes[0]
    outputWidth = sizes[sizes.count - 1]
    let task = input.outputTask
    var metadata = ["task": task.rawValue]
    for (key, names) in [
      ("classes", model.classNames), ("feature_names", input.featureNames), ("target_columns", input.targetColumns ?? []),
    ] where !names.isEmpty {
      metadata[key] = "[" + names.map(jsonStringLiteral).joined(separator: ",") + "]"
    }
    self.metadata = metadata

    var a = Self.inputName
    if input.scaling == .divideBy255 {
      a = binary("Div", a, constant("input.divisor", [255]), output: "input.scaled")
    }
    if let standardization = input.standardization {
      try Self.check(standardization.mean.count, standardization.scale.count, equal: inputWidth,
                     what: "input standardization", per: "feature")
      a = binary("Sub", a, constant("input.mean", standardization.mean, shape: [inputWidth]), output: "input.centered")
      a = binary("Div", a, constant("input.scale", standardization.scale, shape: [inputWidth]), output: "input.standardized")
    }
    for (l, layer) in network.layers.enumerated() {
      let prefix = "layers.\(l)"
      var operands = [a, constant(prefix + ".weight", layer.weights.scalars, shape: [layer.outputs, layer.inputs])]
      if layer.hasBiases { operands.append(constant(prefix + ".bias", layer.biases, shape: [layer.outputs])) }
      add(Node(name: prefix + ".Gemm", opType: "Gemm", inputs: operands, outputs: [prefix + ".z"],
               attributes: [.int("transB", 1)]))
      a = activation(layer.activation, of: prefix + ".z", prefix: prefix)
    }
    if task == .regression, let standardization = input.standardization,
       let mean = standardization.targetMean, let scale = standardization.targetScale {
      try Self.check(mean.count, scale.count, equal: outputWidth, what: "target standardization", per: "output")
      a = binary("Mul", a, constant("output.target_scale", scale, shape: [outputWidth]), output: "output.scaled")
      a = binary("Add", a, constant("output.target_mean", mean, shape: [outputWidth]), output: "output.shifted")
    }
    // The last operator's result is consumed by no other, so it can take the graph output's name.
    nodes[nodes.count - 1].outputs = [Self.outputName]

    let bytes = initializers.reduce(0) { $0 + $1.values.count * MemoryLayout<Float>.size }
    guard bytes < Int(Int32.max) else {
      throw ONNXExportError.unsupported("the weights take \(bytes) bytes; an ONNX file without external data holds less than 2 GiB")
    }
  }

  // MARK: Building the graph

  private mutating func add(_ node: Node) {
    nodes.append(node)
  }

  /// `op(x, y)` into a value named `output`; the node is named after it.
  private mutating func binary(_ op: String, _ x: String, _ y: String, output: String) -> String {
    add(Node(name: output + "." + op, opType: op, inputs: [x, y], outputs: [output]))
    return output
  }

  /// `op(x)` with `attributes`.
  private mutating func unary(_ op: String, _ x: String, output: String, attributes: [Node.Attribute] = []) -> String {
    add(Node(name: output + "." + op, opType: op, inputs: [x], outputs: [output], attributes: attributes))
    return output
  }

  /// An initializer named `name` (shared when a name comes again, as GELU's constants do).
  private mutating func constant(_ name: String, _ values: [Float], shape: [Int] = []) -> String {
    if !initializers.contains(where: { $0.name == name }) {
      initializers.append(Initializer(name: name, shape: shape, values: values))
    }
    return name
  }

  /// a = g(z) for layer `prefix`, as ONNX operators; returns the name of a.
  private mutating func activation(_ g: Activation, of z: String, prefix: String) -> String {
    let a = prefix + ".a"
    switch g {
    case .sigmoid: return unary("Sigmoid", z, output: a)
    case .tanh: return unary("Tanh", z, output: a)
    case .relu: return unary("Relu", z, output: a)
    case .leakyReLU: return unary("LeakyRelu", z, output: a, attributes: [.float("alpha", Float(LeakyReLU.slope))])
    case .linear: return unary("Identity", z, output: a)
    case .softmax: return unary("Softmax", z, output: a, attributes: [.int("axis", 1)])
    case .elu: return unary("Elu", z, output: a, attributes: [.float("alpha", 1)])
    case .softplus: return unary("Softplus", z, output: a)
    case .gelu:
      // z·Φ(z) with Φ(z) = (1 + erf(z/√2))/2, as GELU.swift computes it (halving is exact, as a product or a quotient).
      let t = binary("Div", z, constant("gelu.sqrt2", [Float(2).squareRoot()]), output: prefix + ".gelu.t")
      let erf = unary("Erf", t, output: prefix + ".gelu.erf")
      let sum = binary("Add", erf, constant("gelu.one", [1]), output: prefix + ".gelu.sum")
      let phi = binary("Mul", sum, constant("gelu.half", [0.5]), output: prefix + ".gelu.phi")
      return binary("Mul", z, phi, output: a)
    }
  }

  private static func check(_ first: Int, _ second: Int, equal width: Int, what: String, per unit: String) throws {
    guard first == width, second == width else {
      throw ONNXExportError.unsupported(
        "the \(what) has \(first) means and \(second) scales, expected \(width), one per \(unit)")
    }
  }

  // MARK: Writing

  /// Writes the ONNX file atomically (see ``writeAtomically(_:to:)``): the previous file, if any, stays whole
  /// when the write fails.
  ///
  /// - Throws: ``ModelFileError/unwritable(file:reason:)``.
  public func write(to path: String) throws {
    try writeAtomically(serialized(), to: path)
  }

  /// The ONNX file: a `ModelProto` in the protocol buffers wire format, its fields in field-number order.
  public func serialized() -> [UInt8] {
    var model = ProtobufWriter()
    model.int64(Field.Model.irVersion, Int64(Self.irVersion))
    model.string(Field.Model.producerName, Self.producerName)
    model.string(Field.Model.producerVersion, producerVersion)
    model.message(Field.Model.graph, writeGraph)
    model.message(Field.Model.opsetImport) {
      $0.string(Field.OperatorSetId.domain, "")
      $0.int64(Field.OperatorSetId.version, Int64(Self.opsetVersion))
    }
    for key in metadata.keys.sorted() {
      model.message(Field.Model.metadataProps) {
        $0.string(Field.StringStringEntry.key, key)
        $0.string(Field.StringStringEntry.value, metadata[key] ?? "")
      }
    }
    return model.bytes
  }

  private func writeGraph(_ graph: inout ProtobufWriter) {
    for node in nodes {
      graph.message(Field.Graph.node) { Self.write(node, to: &$0) }
    }
    graph.string(Field.Graph.name, Self.producerName)
    for initializer in initializers {
      graph.message(Field.Graph.initializer) { Self.write(initializer, to: &$0) }
    }
    graph.message(Field.Graph.input) { Self.writeValueInfo(Self.inputName, width: inputWidth, to: &$0) }
    graph.message(Field.Graph.output) { Self.writeValueInfo(Self.outputName, width: outputWidth, to: &$0) }
  }

  private static func write(_ node: Node, to writer: inout ProtobufWriter) {
    for input in node.inputs { writer.string(Field.Node.input, input) }
    for output in node.outputs { writer.string(Field.Node.output, output) }
    writer.string(Field.Node.name, node.name)
    writer.string(Field.Node.opType, node.opType)
    for attribute in node.attributes {
      writer.message(Field.Node.attribute) {
        switch attribute {
        case let .float(name, value):
          $0.string(Field.Attribute.name, name)
          $0.float(Field.Attribute.f, value)
          $0.int64(Field.Attribute.type, Field.Attribute.typeFloat)
        case let .int(name, value):
          $0.string(Field.Attribute.name, name)
          $0.int64(Field.Attribute.i, Int64(value))
          $0.int64(Field.Attribute.type, Field.Attribute.typeInt)
        }
      }
    }
  }

  private static func write(_ initializer: Initializer, to writer: inout ProtobufWriter) {
    writer.packedInt64s(Field.Tensor.dims, initializer.shape.map(Int64.init))
    writer.int64(Field.Tensor.dataType, Field.Tensor.float)
    writer.string(Field.Tensor.name, initializer.name)
    var raw: [UInt8] = []
    raw.reserveCapacity(initializer.values.count * 4)
    for value in initializer.values {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) }
    }
    writer.bytes(Field.Tensor.rawData, raw)
  }

  /// A `ValueInfoProto`: `name`, a FLOAT tensor of shape [N, width].
  private static func writeValueInfo(_ name: String, width: Int, to writer: inout ProtobufWriter) {
    writer.string(Field.ValueInfo.name, name)
    writer.message(Field.ValueInfo.type) {
      $0.message(Field.TypeProto.tensorType) {
        $0.int64(Field.TypeProto.Tensor.elemType, Field.Tensor.float)
        $0.message(Field.TypeProto.Tensor.shape) {
          $0.message(Field.TensorShape.dim) { $0.string(Field.TensorShape.Dimension.dimParam, batchDimension) }
          $0.message(Field.TensorShape.dim) { $0.int64(Field.TensorShape.Dimension.dimValue, Int64(width)) }
        }
      }
    }
  }

  /// The field numbers of the messages written, from onnx.proto (`syntax = "proto2"`, package `onnx`).
  private enum Field {
    enum Model {
      static let irVersion = 1, producerName = 2, producerVersion = 3, graph = 7, opsetImport = 8, metadataProps = 14
    }
    enum OperatorSetId {
      static let domain = 1, version = 2
    }
    enum StringStringEntry {
      static let key = 1, value = 2
    }
    enum Graph {
      static let node = 1, name = 2, initializer = 5, input = 11, output = 12
    }
    enum Node {
      static let input = 1, output = 2, name = 3, opType = 4, attribute = 5
    }
    enum Attribute {
      static let name = 1, f = 2, i = 3, type = 20
      /// `AttributeProto.AttributeType`.
      static let typeFloat: Int64 = 1, typeInt: Int64 = 2
    }
    enum Tensor {
      static let dims = 1, dataType = 2, name = 8, rawData = 9
      /// `TensorProto.DataType.FLOAT`.
      static let float: Int64 = 1
    }
    enum ValueInfo {
      static let name = 1, type = 2
    }
    enum TypeProto {
      static let tensorType = 1
      enum Tensor {
        static let elemType = 1, shape = 2
      }
    }
    enum TensorShape {
      static let dim = 1
      enum Dimension {
        static let dimValue = 1, dimParam = 2
      }
    }
  }
}

/// A model that cannot be written as ONNX.
public enum ONNXExportError: Error, Sendable, Equatable, CustomStringConvertible {
  /// `reason` says what does not fit.
  case unsupported(String)

  public var description: String {
    switch self {
    case let .unsupported(reason): return "cannot export to ONNX: \(reason)"
    }
  }
}
