@testable import Backprop
import Foundation
import Testing

@Suite("Protobuf writer")
struct ProtobufWriterTests {
  @Test("varints: 1, 150 and 300 as the protobuf encoding guide writes them, 0 and the largest, and -1 in 10 bytes")
  func varints() {
    for (value, bytes): (UInt64, [UInt8]) in [
      (0, [0x00]), (1, [0x01]), (127, [0x7F]), (150, [0x96, 0x01]), (300, [0xAC, 0x02]),
      (.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ] {
      var writer = ProtobufWriter()
      writer.appendVarint(value)
      #expect(writer.bytes == bytes, "\(value)")
    }
    var writer = ProtobufWriter()
    writer.int64(1, -1)
    #expect(writer.bytes == [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
  }

  @Test("fields: an int64, a string, a float, an embedded message, a packed repeated int64 (the guide's examples)")
  func fields() {
    var writer = ProtobufWriter()
    writer.int64(1, 150)
    #expect(writer.bytes == [0x08, 0x96, 0x01])

    writer = ProtobufWriter()
    writer.string(2, "testing")
    #expect(writer.bytes == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])

    writer = ProtobufWriter()
    writer.float(2, 1)
    #expect(writer.bytes == [0x15, 0x00, 0x00, 0x80, 0x3F])

    writer = ProtobufWriter()
    writer.message(3) { $0.int64(1, 150) }
    #expect(writer.bytes == [0x1A, 0x03, 0x08, 0x96, 0x01])

    writer = ProtobufWriter()
    writer.packedInt64s(4, [3, 270, 86942])
    #expect(writer.bytes == [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
    writer.packedInt64s(5, [])
    #expect(writer.bytes.count == 8, "an empty repeated field writes nothing")

    writer = ProtobufWriter()
    writer.int64(20, 2)  // a field number above 15 takes a 2-byte key
    #expect(writer.bytes == [0xA0, 0x01, 0x02])
  }
}

@Suite("ONNX export")
struct ONNXExportTests {
  /// A 2-2-1 network: a sigmoid hidden layer with biases, a sigmoid output without; weights with bit patterns a
  /// careless encoder would change (−0, a subnormal, a value that is not a short decimal).
  static func tiny() throws -> ModelFile<Float> {
    let w1 = try Matrix<Float>(rows: 2, columns: 2, scalars: [0.15, -0.0, Float(bitPattern: 0x0000_0001), 1 / 3])
    let hidden = try Dense(weights: w1, biases: [0.35, -0.25], activation: .sigmoid)
    let output = try Dense(weights: Matrix<Float>(rows: 1, columns: 2, scalars: [0.4, -0.45]), activation: .sigmoid)
    let network = try Network(layers: [hidden, output], loss: .meanSquaredError)
    return ModelFile(
      network: network, classNames: ["yes"],
      input: InputDescription(features: 2, featureNames: ["a", "b"], scaling: .none))
  }

  @Test("a 2-2-1 model: IR 7, opset 13, producer, input and output [N, n], Gemm and Sigmoid in order, weights bit for bit")
  func tinyModel() throws {
    let file = try Self.tiny()
    let model = try DecodedModel(ONNXExport(file, producerVersion: "9.8.7").serialized())
    #expect(model.irVersion == 7)
    #expect(model.opsets == ["": 13])
    #expect(model.producerName == "backprop" && model.producerVersion == "9.8.7")
    #expect(model.metadata == ["task": "classification", "classes": "[\"yes\"]", "feature_names": "[\"a\",\"b\"]"])

    let graph = model.graph
    #expect(graph.inputs.map(\.name) == ["input"] && graph.outputs.map(\.name) == ["output"])
    #expect(graph.inputs[0].elementType == 1 && graph.inputs[0].shape == [.symbol("N"), .value(2)])
    #expect(graph.outputs[0].elementType == 1 && graph.outputs[0].shape == [.symbol("N"), .value(1)])
    #expect(graph.nodes.map(\.opType) == ["Gemm", "Sigmoid", "Gemm", "Sigmoid"])
    #expect(graph.nodes.map(\.inputs) == [
      ["input", "layers.0.weight", "layers.0.bias"], ["layers.0.z"], ["layers.0.a", "layers.1.weight"], ["layers.1.z"],
    ])
    #expect(graph.nodes.last?.outputs == ["output"])
    for gemm in graph.nodes where gemm.opType == "Gemm" {
      #expect(gemm.attributes == ["transB": .int(1)], "B = W, transposed: A·Wᵀ + b")
    }
    #expect(Set(graph.nodes.map(\.name)).count == graph.nodes.count, "node names are unique")

    #expect(graph.initializers.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight"])
    #expect(graph.initializers.map(\.dims) == [[2, 2], [2], [1, 2]])
    #expect(graph.initializers.allSatisfy { $0.dataType == 1 })
    let layers = file.network.layers
    #expect(graph.initializers[0].floatBits == layers[0].weights.scalars.map(\.bitPattern))
    #expect(graph.initializers[0].floatBits == [0x3E19_999A, 0x8000_0000, 0x0000_0001, 0x3EAA_AAAB])
    #expect(graph.initializers[1].floatBits == layers[0].biases.map(\.bitPattern))
    #expect(graph.initializers[2].floatBits == layers[1].weights.scalars.map(\.bitPattern))
  }

  @Test("the graph computes what the network predicts (an independent evaluation of the decoded operators)")
  func tinyModelComputes() throws {
    let file = try Self.tiny()
    let graph = try DecodedModel(ONNXExport(file, producerVersion: "0").serialized()).graph
    let rows: [[Float]] = [[0.05, 0.1], [-2, 3], [0, 0]]
    try expectSameOutputs(graph, file, rows: rows)
  }

  @Test("image scaling, standardization and regression targets become Div, Sub, Div before and Mul, Add after")
  func scalingAndStandardization() throws {
    var generator = SeededGenerator(seed: 3)
    let network = try Network<Float>(sizes: [3, 4, 2], activations: [.relu, .linear], loss: .meanSquaredError, using: &generator)
    var input = InputDescription(
      features: 3, scaling: .divideBy255,
      standardization: Standardization(mean: [0.5, 0.25, -1], scale: [2, 0.5, 4], targetMean: [100, -3], targetScale: [7, 0.125]))
    input.task = .regression
    input.targetColumns = ["price", "tax"]
    let file = ModelFile(network: network, classNames: [], input: input)
    let model = try DecodedModel(ONNXExport(file, producerVersion: "0").serialized())
    let graph = model.graph
    #expect(graph.nodes.map(\.opType) == ["Div", "Sub", "Div", "Gemm", "Relu", "Gemm", "Identity", "Mul", "Add"])
    #expect(graph.nodes[0].inputs == ["input", "input.divisor"])
    #expect(graph.nodes.last?.outputs == ["output"])
    let constants = Dictionary(uniqueKeysWithValues: graph.initializers.map { ($0.name, $0) })
    #expect(constants["input.divisor"]?.dims == [] && constants["input.divisor"]?.floats == [255])
    #expect(constants["input.mean"]?.floats == [0.5, 0.25, -1] && constants["input.scale"]?.floats == [2, 0.5, 4])
    #expect(constants["output.target_scale"]?.floats == [7, 0.125] && constants["output.target_mean"]?.floats == [100, -3])
    #expect(model.metadata == ["task": "regression", "target_columns": "[\"price\",\"tax\"]"])
    // Pixel bytes as raw values; predict maps the outputs back as ŷ·s + μ.
    try expectSameOutputs(graph, file, rows: [[0, 128, 255], [17, 3, 250]])
  }

  @Test("every activation has an ONNX form (none is refused), and each computes g as Backprop does", arguments: Activation.allCases)
  func activations(_ g: Activation) throws {
    let expected: [Activation: [String]] = [
      .sigmoid: ["Sigmoid"], .tanh: ["Tanh"], .relu: ["Relu"], .leakyReLU: ["LeakyRelu"], .linear: ["Identity"],
      .softmax: ["Softmax"], .elu: ["Elu"], .softplus: ["Softplus"], .gelu: ["Div", "Erf", "Add", "Mul", "Mul"],
    ]
    let w1 = try Matrix<Float>(rows: 3, columns: 2, scalars: [1, -2, 0.5, 3, -4, 0.25])
    let w2 = try Matrix<Float>(rows: 2, columns: 3, scalars: [1, 0, -1, 0.5, 2, -3])
    let hidden = try Dense(weights: w1, biases: [0.1, -0.2, 0.3], activation: g)
    let output = try Dense(weights: w2, activation: g)
    let network = try Network(layers: [hidden, output], loss: .meanSquaredError)
    let file = ModelFile(network: network, classNames: [], input: InputDescription(features: 2, scaling: .none))
    let graph = try DecodedModel(ONNXExport(file, producerVersion: "0").serialized()).graph
    let ops = try #require(expected[g])
    #expect(graph.nodes.map(\.opType) == ["Gemm"] + ops + ["Gemm"] + ops)
    let attributes = graph.nodes[1].attributes
    switch g {
    case .leakyReLU: #expect(attributes == ["alpha": .float(0.01)])
    case .elu: #expect(attributes == ["alpha": .float(1)])
    case .softmax: #expect(attributes == ["axis": .int(1)])
    default: #expect(attributes.isEmpty)
    }
    if g == .gelu {
      let constants = Dictionary(uniqueKeysWithValues: graph.initializers.map { ($0.name, $0.floats) })
      #expect(constants["gelu.sqrt2"] == [Float(2).squareRoot()] && constants["gelu.one"] == [1] && constants["gelu.half"] == [0.5])
      #expect(graph.initializers.count == 3 + 3, "the constants are shared by the layers")
    }
    try expectSameOutputs(graph, file, rows: [[0.5, -0.25], [-3, 2], [4, 1], [0, 0]])
  }

  @Test("a standardization that does not fit the features is refused with a sentence")
  func mismatchedStandardization() throws {
    var file = try Self.tiny()
    file.input.standardization = Standardization(mean: [0, 0, 0], scale: [1, 1, 1])
    #expect(throws: ONNXExportError.unsupported("the input standardization has 3 means and 3 scales, expected 2, one per feature")) {
      try ONNXExport(file, producerVersion: "0")
    }
    #expect(ONNXExportError.unsupported("x").description == "cannot export to ONNX: x")
  }

  @Test("write: the serialized bytes, atomically; an unwritable path throws and leaves nothing")
  func write() throws {
    let export = try ONNXExport(Self.tiny(), producerVersion: "0")
    try withModelFileScratchDirectory { directory in
      try export.write(to: directory + "/model.onnx")
      #expect(try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/model.onnx"))) == export.serialized())
      let missing = directory + "/no/model.onnx"
      #expect(throws: ModelFileError.unwritable(file: missing, reason: "No such file or directory")) {
        try export.write(to: missing)
      }
      #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.onnx"])
    }
  }

  /// Runs `graph` on `rows` with ``evaluate(_:input:)`` and compares with what `predict` computes: the network's
  /// outputs after the input's preparation, mapped back for regression, within 1e-5 (the operators here run in
  /// Double, the network in Float).
  private func expectSameOutputs(_ graph: DecodedGraph, _ file: ModelFile<Float>, rows: [[Float]]) throws {
    let onnx = try evaluate(graph, input: rows)
    let data = try Dataset(
      features: .floats(rows.flatMap { $0 }), count: rows.count, featureCount: rows[0].count, labels: nil,
      classNames: [], source: "rows")
    let predicted = try file.network.predict(file.input.prepare(data), standardization: file.input.standardization)
    for (j, row) in onnx.enumerated() {
      for (k, value) in row.enumerated() {
        let output = Double(predicted[k, j])
        let want = file.input.outputTask == .regression
          ? file.input.standardization?.targetValue(output, target: k) ?? output : output
        #expect(abs(value - want) <= 1e-5 * max(1, abs(want)), "sample \(j), output \(k): ONNX \(value), predict \(want)")
      }
    }
  }
}

// MARK: - A test-only reader of the ONNX subset the exporter writes

/// One field of a protocol buffers message: its number and its varint, 32-bit or length-delimited value.
private struct WireField {
  enum Value {
    case varint(UInt64)
    case fixed32(UInt32)
    case bytes([UInt8])
  }
  var number: Int
  var value: Value
}

private struct DecodingFailure: Error, CustomStringConvertible {
  var description: String
}

/// Reads varints and byte runs from a buffer, front to back.
private struct WireReader {
  let bytes: [UInt8]
  var i = 0

  var atEnd: Bool { i == bytes.count }

  mutating func varint() throws -> UInt64 {
    var result: UInt64 = 0, shift: UInt64 = 0
    while true {
      guard i < bytes.count, shift < 64 else { throw DecodingFailure(description: "varint cut short at byte \(i)") }
      let byte = bytes[i]
      i += 1
      result |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return result }
      shift += 7
    }
  }

  mutating func take(_ count: Int) throws -> [UInt8] {
    guard count >= 0, i + count <= bytes.count else { throw DecodingFailure(description: "\(count) bytes run past the end") }
    defer { i += count }
    return Array(bytes[i..<(i + count)])
  }
}

/// The fields of one message, in order; wire types 1 (64-bit) and 3/4 (groups) are never written by the exporter
/// and fail here.
private func wireFields(_ bytes: [UInt8]) throws -> [WireField] {
  var reader = WireReader(bytes: bytes)
  var fields: [WireField] = []
  while !reader.atEnd {
    let key = try reader.varint()
    let number = Int(key >> 3)
    switch key & 7 {
    case 0: fields.append(WireField(number: number, value: .varint(try reader.varint())))
    case 2: fields.append(WireField(number: number, value: .bytes(try reader.take(Int(try reader.varint())))))
    case 5:
      let bits = try reader.take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      fields.append(WireField(number: number, value: .fixed32(bits)))
    default: throw DecodingFailure(description: "wire type \(key & 7) at field \(number)")
    }
  }
  return fields
}

/// Field accessors by number, as onnx.proto numbers them.
private struct Message {
  var fields: [WireField]

  init(_ bytes: [UInt8]) throws { fields = try wireFields(bytes) }

  func all(_ number: Int) -> [WireField.Value] { fields.filter { $0.number == number }.map(\.value) }

  func int(_ number: Int) -> Int64? {
    guard case .varint(let v) = all(number).last else { return nil }
    return Int64(bitPattern: v)
  }
  func float(_ number: Int) -> Float? {
    guard case .fixed32(let bits) = all(number).last else { return nil }
    return Float(bitPattern: bits)
  }
  func bytes(_ number: Int) -> [[UInt8]] {
    all(number).compactMap { if case .bytes(let b) = $0 { b } else { nil } }
  }
  func strings(_ number: Int) -> [String] { bytes(number).map { String(decoding: $0, as: UTF8.self) } }
  func string(_ number: Int) -> String? { strings(number).last }
  func messages(_ number: Int) throws -> [Message] { try bytes(number).map(Message.init) }
  /// A repeated int64, packed or not.
  func ints(_ number: Int) throws -> [Int64] {
    try all(number).flatMap { value -> [Int64] in
      switch value {
      case .varint(let v): return [Int64(bitPattern: v)]
      case .bytes(let packed):
        var reader = WireReader(bytes: packed), values: [Int64] = []
        while !reader.atEnd { values.append(Int64(bitPattern: try reader.varint())) }
        return values
      case .fixed32: throw DecodingFailure(description: "a 32-bit value where an int64 belongs")
      }
    }
  }
}

private struct DecodedNode {
  enum Attribute: Equatable {
    case int(Int64)
    case float(Float)
  }
  var name: String, opType: String, inputs: [String], outputs: [String], attributes: [String: Attribute]
}

private struct DecodedTensor {
  var name: String, dims: [Int64], dataType: Int64?, raw: [UInt8]
  var floatBits: [UInt32] {
    stride(from: 0, to: raw.count, by: 4).map { i in raw[i..<(i + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
  }
  var floats: [Float] { floatBits.map(Float.init(bitPattern:)) }
}

private struct DecodedValueInfo {
  enum Dimension: Equatable {
    case value(Int64)
    case symbol(String)
  }
  var name: String, elementType: Int64?, shape: [Dimension]
}

private struct DecodedGraph {
  var nodes: [DecodedNode] = [], initializers: [DecodedTensor] = []
  var inputs: [DecodedValueInfo] = [], outputs: [DecodedValueInfo] = []
}

/// ModelProto → GraphProto → NodeProto, AttributeProto, TensorProto, ValueInfoProto, with onnx.proto's numbers.
private struct DecodedModel {
  var irVersion: Int64?, producerName: String?, producerVersion: String?
  var opsets: [String: Int64] = [:], metadata: [String: String] = [:]
  var graph = DecodedGraph()

  init(_ bytes: [UInt8]) throws {
    let model = try Message(bytes)
    irVersion = model.int(1)
    producerName = model.string(2)
    producerVersion = model.string(3)
    for opset in try model.messages(8) { opsets[opset.string(1) ?? ""] = opset.int(2) }
    for entry in try model.messages(14) { metadata[entry.string(1) ?? ""] = entry.string(2) }
    guard let graphMessage = try model.messages(7).last else { throw DecodingFailure(description: "no graph") }
    for node in try graphMessage.messages(1) {
      var attributes: [String: DecodedNode.Attribute] = [:]
      for attribute in try node.messages(5) {
        switch attribute.int(20) {
        case 1: attributes[attribute.string(1) ?? ""] = .float(attribute.float(2) ?? .nan)
        case 2: attributes[attribute.string(1) ?? ""] = .int(attribute.int(3) ?? -1)
        default: throw DecodingFailure(description: "attribute type \(attribute.int(20) ?? 0)")
        }
      }
      graph.nodes.append(DecodedNode(
        name: node.string(3) ?? "", opType: node.string(4) ?? "", inputs: node.strings(1), outputs: node.strings(2),
        attributes: attributes))
    }
    for tensor in try graphMessage.messages(5) {
      graph.initializers.append(DecodedTensor(
        name: tensor.string(8) ?? "", dims: try tensor.ints(1), dataType: tensor.int(2), raw: tensor.bytes(9).last ?? []))
    }
    func valueInfo(_ message: Message) throws -> DecodedValueInfo {
      let tensorType = try message.messages(2).last?.messages(1).last
      let dims = try tensorType?.messages(2).last?.messages(1) ?? []
      return DecodedValueInfo(
        name: message.string(1) ?? "", elementType: tensorType?.int(1),
        shape: dims.map { $0.string(2).map(DecodedValueInfo.Dimension.symbol) ?? .value($0.int(1) ?? -1) })
    }
    graph.inputs = try graphMessage.messages(11).map(valueInfo)
    graph.outputs = try graphMessage.messages(12).map(valueInfo)
  }
}

// MARK: - A test-only evaluator of the decoded graph

/// Runs the graph on `input` (one row per sample) with the operators' ONNX definitions, in Double: elementwise
/// operators broadcast a scalar or a row [n] over [N, n]; Gemm is A·Bᵀ + C (transB = 1).
private func evaluate(_ graph: DecodedGraph, input: [[Float]]) throws -> [[Double]] {
  var values: [String: [[Double]]] = [graph.inputs[0].name: input.map { $0.map(Double.init) }]
  var constants: [String: (dims: [Int64], values: [Double])] = [:]
  for tensor in graph.initializers { constants[tensor.name] = (tensor.dims, tensor.floats.map(Double.init)) }

  func operand(_ name: String, rows: Int) throws -> [[Double]] {
    if let value = values[name] { return value }
    guard let constant = constants[name] else { throw DecodingFailure(description: "no value \(name)") }
    return Array(repeating: constant.values, count: rows)
  }
  func elementwise(_ x: [[Double]], _ y: [[Double]], _ f: (Double, Double) -> Double) -> [[Double]] {
    zip(x, y).map { row, other in row.indices.map { f(row[$0], other.count == 1 ? other[0] : other[$0]) } }
  }
  for node in graph.nodes {
    let x = try operand(node.inputs[0], rows: input.count)
    let result: [[Double]]
    switch node.opType {
    case "Div", "Sub", "Mul", "Add":
      let y = try operand(node.inputs[1], rows: x.count)
      switch node.opType {
      case "Div": result = elementwise(x, y, /)
      case "Sub": result = elementwise(x, y, -)
      case "Mul": result = elementwise(x, y, *)
      default: result = elementwise(x, y, +)
      }
    case "Gemm":
      guard node.attributes == ["transB": .int(1)], let w = constants[node.inputs[1]] else {
        throw DecodingFailure(description: "Gemm without transB = 1 or a constant B")
      }
      let (outputs, inputs) = (Int(w.dims[0]), Int(w.dims[1]))
      let bias: [Double] = node.inputs.count > 2
        ? constants[node.inputs[2]]?.values ?? [] : Array(repeating: 0, count: outputs)
      result = x.map { row -> [Double] in
        (0..<outputs).map { j -> Double in
          var sum = bias[j]
          for k in 0..<inputs { sum += w.values[j * inputs + k] * row[k] }
          return sum
        }
      }
    case "Softmax":
      result = x.map { row in
        let top = row.max() ?? 0, e = row.map { exp($0 - top) }, sum = e.reduce(0, +)
        return e.map { $0 / sum }
      }
    default:
      let alpha: Double
      if case .float(let a) = node.attributes["alpha"] { alpha = Double(a) } else { alpha = 0 }
      let g: (Double) -> Double
      switch node.opType {
      case "Sigmoid": g = { 1 / (1 + exp(-$0)) }
      case "Tanh": g = { tanh($0) }
      case "Relu": g = { max($0, 0) }
      case "LeakyRelu": g = { $0 >= 0 ? $0 : alpha * $0 }
      case "Identity": g = { $0 }
      case "Elu": g = { $0 >= 0 ? $0 : alpha * (exp($0) - 1) }
      case "Softplus": g = { log(exp($0) + 1) }
      case "Erf": g = { erf($0) }
      default: throw DecodingFailure(description: "operator \(node.opType)")
      }
      result = x.map { $0.map(g) }
    }
    values[node.outputs[0]] = result
  }
  guard let output = values[graph.outputs[0].name] else { throw DecodingFailure(description: "no output") }
  return output
}
