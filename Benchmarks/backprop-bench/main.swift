// backprop-bench: times the reference workloads of ../shared/bench (A, B, C, D, gemm) in a release build and prints
// one `RESULT {json}` line per figure, in the schema of the NumPy script, so Scripts/bench-vs-numpy.py can set the
// two side by side. Usage: swift run -c release backprop-bench [A|B|C|D|gemm …] [--epochs N] [--run K] [--data DIR]
// [--threads T] [--backend native|openblas|accelerate] [--dense] [--gemm-repeat N] [--gemm-shape TEXT]. The backend
// runs the Float products of A, B and D; the gemm workload always times the native kernels (bp_sgemm), and its
// records say "backend": "native". --gemm-shape keeps the shapes whose label contains TEXT (to profile one).
@_spi(Benchmarks) import Backprop
import CBackpropKernels
import Foundation

var workloads: [String] = []
var epochs = 5, run = 0, dataPath = "data/mnist", gemmRepeat = 7, gemmShape = ""
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
  switch argument {
  case "--epochs": epochs = Int(arguments.popFirst() ?? "") ?? epochs
  case "--run": run = Int(arguments.popFirst() ?? "") ?? run
  case "--data": dataPath = arguments.popFirst() ?? dataPath
  case "--gemm-repeat": gemmRepeat = Int(arguments.popFirst() ?? "") ?? gemmRepeat
  case "--gemm-shape": gemmShape = arguments.popFirst() ?? ""
  case "--dense": bp_sgemm_skip_zero_rows(0)  // products without skipping B's zero rows, to measure what that gains
  case "--threads": ComputeThreads.count = Int(arguments.popFirst() ?? "") ?? 1
  case "--backend":
    let name = arguments.popFirst() ?? ""
    guard let backend = ComputeBackend(rawValue: name) else {
      FileHandle.standardError.write(Data("backprop-bench: --backend \(name): expected native, openblas or accelerate\n".utf8))
      exit(64)
    }
    do {
      try ComputeBackend.select(backend)
    } catch {
      FileHandle.standardError.write(Data("backprop-bench: --backend \(error)\n".utf8))
      exit(64)
    }
  default: workloads.append(argument)
  }
}
if workloads.isEmpty { workloads = ["A", "B", "C", "D", "gemm"] }

@MainActor func emit(_ fields: [String: Any]) {
  var record = fields
  record["framework"] = "backprop"
  record["threads"] = String(ComputeThreads.count)
  record["isa"] = String(cString: bp_isa_name(bp_isa_active()))
  if record["backend"] == nil { record["backend"] = ComputeBackend.current.rawValue }
  record["backend_description"] = ComputeBackend(rawValue: record["backend"] as! String)!.description
  record["t_unix"] = (Date().timeIntervalSince1970 * 1000).rounded() / 1000
  let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
  FileHandle.standardOutput.write(Data("RESULT ".utf8) + data + Data("\n".utf8))
}

@MainActor func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = ContinuousClock.now
  try body()
  let (s, atto) = (ContinuousClock.now - start).components
  return Double(s) + Double(atto) * 1e-18
}

// MARK: A and B: epochs of MNIST training

@MainActor func train(_ key: String, train data: Dataset, test: Dataset) throws -> Network<Float> {
  let (sizes, optimizer, batch) = key == "A"
    ? ([784, 128, 10], OptimizerSettings(kind: .sgd, learningRate: 0.1), 64)
    : ([784, 512, 256, 10], OptimizerSettings(kind: .adam, learningRate: 1e-3), 128)
  let configuration = TrainingConfiguration(
    sizes: sizes, activations: Array(repeating: .relu, count: sizes.count - 2) + [.softmax], loss: .crossEntropy,
    optimizer: optimizer, batchSize: batch, epochs: epochs, seed: UInt64(run))
  var training = try TrainingRun<Float>(configuration: configuration, data: data)
  var times: [Double] = [], accuracies: [Double] = [], losses: [Double] = []
  while !training.isFinished {
    var report: EpochReport?
    times.append(try seconds { report = try training.runEpoch() })
    losses.append(report!.trainingLoss)
    accuracies.append(try training.network.evaluate(on: test).accuracy)
  }
  emit(["workload": key, "name": key == "A" ? "mlp-small" : "mlp-wide", "run": run, "epoch_times": times,
        "test_acc": accuracies, "train_loss": losses, "dtype": "float32"])
  try dataPath(key, network: training.network, batch: batch, data: data, epochTimes: times)
  return training.network
}

/// The data path of an epoch alone: the shuffle and the gather of every batch into the workspace, through the same
/// Trainer code as the epochs above (its `gatherEpoch` SPI), without forward, backward or update. One untimed pass
/// makes the workspace, then the median of 5. Its record is `"kind": "data_path"` with `"of"` naming the workload,
/// so readers of the workload records (Scripts/bench-vs-numpy.py) pass it by.
@MainActor func dataPath(_ key: String, network: Network<Float>, batch: Int, data: Dataset, epochTimes: [Double]) throws {
  guard !epochTimes.isEmpty else { return }
  var trainer = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.1))
  var generator = SeededGenerator(seed: UInt64(run))
  try trainer.gatherEpoch(for: network, on: data, batchSize: batch, using: &generator)
  let times = try (0..<5).map { _ in
    try seconds { try trainer.gatherEpoch(for: network, on: data, batchSize: batch, using: &generator) }
  }
  let median = times.sorted()[times.count / 2], epoch = epochTimes.sorted()[epochTimes.count / 2]
  emit(["kind": "data_path", "of": key, "run": run, "batch": batch, "times_s": times, "epoch_s": median,
        "training_epoch_s": epoch, "share_of_epoch": median / epoch])
}

// MARK: C: XOR, 10,000 full-batch steps

@MainActor func xor() throws {
  let x = try Matrix<Double>(rows: [[0, 0, 1, 1], [0, 1, 0, 1]]), y = try Matrix<Double>(rows: [[0, 1, 1, 0]])
  // Five trainings from the same start, back to back, and their mean: one takes ~5 ms, short enough that a single
  // stall of the host (a few ms on these shared machines) doubles it, while NumPy's ~0.5 s run averages its stalls
  // out. The mean keeps them in, as NumPy's long run does.
  var times: [Double] = [], network: Network<Double>!
  for _ in 0..<5 {
    // The NumPy script's "blog-post style" start: every W and b drawn from N(0, 1) (our generator's draws, not NumPy's).
    var generator = SeededGenerator(seed: 1)
    func gaussians(_ count: Int) -> [Double] { (0..<count).map { _ in generator.nextGaussian() } }
    let layers = try zip([2, 2, 2], [2, 2, 1]).map { inputs, outputs in
      try Dense<Double>(
        weights: Matrix(rows: outputs, columns: inputs, scalars: gaussians(outputs * inputs)),
        biases: gaussians(outputs), activation: .sigmoid)
    }
    network = try Network(layers: layers, loss: .meanSquaredError)
    var trainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
    times.append(try seconds { _ = try trainer.steps(10_000, on: &network, inputs: x, targets: y) })
  }
  let outputs = try network.predict(x).scalars
  emit(["workload": "C", "name": "seed-xor", "run": run, "time_s": times.reduce(0, +) / Double(times.count),
        "times_s": times, "iters": 10_000, "final_loss": try network.cost(inputs: x, targets: y), "outputs": outputs,
        "solved": XORExample.outcome(of: outputs) == .solved, "dtype": "float64"])
}

// MARK: D: inference of the trained A model

@MainActor func inference(_ network: Network<Float>, test: Dataset) throws {
  for batch in [1000, 1] {
    func once() throws {
      let outputs = try network.predict(test, batchSize: batch)
      // argmax per column, as the NumPy script does, reading the row-major outputs in place, row after row.
      var best = [Int](repeating: 0, count: outputs.columns)
      outputs.withUnsafeBufferPointer { y in
        var top = Array(y[0..<outputs.columns])
        for k in 1..<outputs.rows {
          for j in 0..<outputs.columns where y[k * outputs.columns + j] > top[j] {
            top[j] = y[k * outputs.columns + j]
            best[j] = k
          }
        }
      }
      precondition(best.count == test.count)
    }
    try once()
    let times = try (0..<(batch > 1 ? 5 : 3)).map { _ in try seconds(once) }
    emit(["workload": "D", "name": "inference", "run": run, "batch": batch, "times_s": times,
          "images_per_s": times.map { Double(test.count) / $0 }])
  }
}

// MARK: gemm: the shapes of ../shared/bench/gemm.py, same (M, K, N, transposes), one thread

@MainActor func gemm() {
  let shapes: [(String, Int, Int, Int, Bool, Bool)] = [
    ("square-1024", 1024, 1024, 1024, false, false),
    ("A.fwd1 64x784@784x128", 64, 784, 128, false, false), ("A.fwd2 64x128@128x10", 64, 128, 10, false, false),
    ("A.dW2 (128x64)@64x10", 128, 64, 10, true, false), ("A.dH1 64x10@(10x128)", 64, 10, 128, false, true),
    ("A.dW1 (784x64)@64x128", 784, 64, 128, true, false),
    ("B.fwd1 128x784@784x512", 128, 784, 512, false, false), ("B.fwd2 128x512@512x256", 128, 512, 256, false, false),
    ("B.fwd3 128x256@256x10", 128, 256, 10, false, false), ("B.dW3 (256x128)@128x10", 256, 128, 10, true, false),
    ("B.dH2 128x10@(10x256)", 128, 10, 256, false, true), ("B.dW2 (512x128)@128x256", 512, 128, 256, true, false),
    ("B.dH1 128x256@(256x512)", 128, 256, 512, false, true), ("B.dW1 (784x128)@128x512", 784, 128, 512, true, false),
    ("D.fwd1 1000x784@784x128", 1000, 784, 128, false, false), ("D.fwd1 1x784@784x128", 1, 784, 128, false, false),
  ]
  var generator = SeededGenerator(seed: 0)
  for (label, m, k, n, tA, tB) in shapes where gemmShape.isEmpty || label.contains(gemmShape) {
    let a = (0..<(m * k)).map { _ in Float(generator.nextUniform()) }
    let b = (0..<(k * n)).map { _ in Float(generator.nextUniform()) }
    var c = [Float](repeating: 0, count: m * n)
    let lda = tA ? m : k, ldb = tB ? k : n
    func call() { bp_sgemm(tA ? 1 : 0, tB ? 1 : 0, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, &c, Int32(n)) }
    call()
    // Enough calls per sample for about 0.15 s, as gemm.py does.
    let once = seconds { call() }
    let number = max(1, Int(0.15 / max(once, 1e-7)))
    let times = (0..<gemmRepeat).map { _ in seconds { for _ in 0..<number { call() } } / Double(number) }
    let median = times.sorted()[times.count / 2]
    emit(["kind": "gemm", "lib": "backprop", "backend": "native", "shape": label, "M": m, "K": k, "N": n, "transA": tA, "transB": tB,
          "median_s": median, "min_s": times.min()!, "gflops": 2.0 * Double(m * n * k) / median / 1e9])
  }
}

// MARK: Main

do {
  let needsData = workloads.contains { ["A", "B", "D"].contains($0) }
  let (trainSet, testSet) = needsData
    ? (try IDXReader.readDirectory(dataPath, split: .train), try IDXReader.readDirectory(dataPath, split: .test))
    : (nil, nil)
  var modelA: Network<Float>?
  for workload in workloads {
    switch workload {
    case "A": modelA = try train("A", train: trainSet!, test: testSet!)
    case "B": _ = try train("B", train: trainSet!, test: testSet!)
    case "C": try xor()
    case "D":
      if modelA == nil { modelA = try train("A", train: trainSet!, test: testSet!) }
      try inference(modelA!, test: testSet!)
    case "gemm": gemm()
    default: FileHandle.standardError.write(Data("unknown workload \(workload); expected A, B, C, D or gemm\n".utf8)); exit(64)
    }
  }
} catch {
  FileHandle.standardError.write(Data("backprop-bench: \(error)\n".utf8))
  exit(1)
}
